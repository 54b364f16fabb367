"""The recovery benchmark: every method x scenario x seed against the simulator's ground truth.

Kept for old instructions; it is the command `causal-mmm bench` (chapter 10), with the same options:
    python tools/bench_recovery.py [--out DIR] [--seeds 0,1,2] [--scenarios a,b] [--methods m1,m2] [--members 5]
                                   [--jobs 2] [--quick] [--quiet]
"""
import sys
from causal_mmm_nb.cli import main

if __name__ == "__main__":
    sys.exit(main(["bench", *sys.argv[1:]]))
