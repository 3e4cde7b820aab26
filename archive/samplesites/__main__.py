"""`python -m archive.samplesites [--host H] [--port P] [--edition N] [--scale N]`: serve the
sample sites."""

from __future__ import annotations

import argparse

from archive.samplesites import EDITIONS, serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8808)
    parser.add_argument("--edition", type=int, default=1, choices=EDITIONS,
                        help="which edition of the sites to serve (default 1)")
    parser.add_argument("--scale", type=int, default=0,
                        help="generated stories per site besides its own (default 0)")
    args = parser.parse_args()
    serve(args.host, args.port, edition=args.edition, scale=args.scale)


if __name__ == "__main__":
    main()
