"""MinHash signatures (datasketch) and their LSH band keys.

The bands are what MinHashLSH would keep in memory; here each is one integer key in the
index (story_bands), so that candidates are found by SQL, the LSH state lives in the
index and nothing lives only in a process's memory (the archive writer may be killed
and restarted at any time; reextract derives the same keys)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

NUM_PERM = 64
# datasketch's MinHashLSH._optimal_param(0.4, 64, 0.5, 0.5): bands and rows that balance
# false positives and negatives around a Jaccard of 0.4 (a test checks them). Below the
# copies' usual similarity, since the containment check then confirms or rejects.
LSH_THRESHOLD = 0.4
BANDS, ROWS = 16, 4
# A fixed seed: the same text has the same signature in every process and rebuild.
SEED = 1


def signature(shingles: Iterable[str]) -> bytes:
    """The MinHash of the shingles, as NUM_PERM little-endian uint64 values."""
    # Imported here: numpy and scipy (through datasketch) cost the archive writer
    # process 0.7 s of start-up, paid only once it indexes its first article.
    from datasketch import MinHash

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch([s.encode("utf-8") for s in shingles])
    return minhash.hashvalues.astype("<u8").tobytes()


def band_keys(sig: bytes) -> list[int]:
    """One signed 64-bit key per band: a hash of the band's number and its values, so
    that one indexed column finds every article sharing any band."""
    width = ROWS * 8
    keys = []
    for band in range(BANDS):
        digest = hashlib.blake2b(sig[band * width:(band + 1) * width], digest_size=8,
                                 person=band.to_bytes(2, "big")).digest()
        keys.append(int.from_bytes(digest, "big", signed=True))
    return keys


def estimated_jaccard(a: bytes, b: bytes) -> float:
    """The share of equal MinHash values: an estimate of the two sets' Jaccard index."""
    n = len(a) // 8
    return sum(a[i * 8:(i + 1) * 8] == b[i * 8:(i + 1) * 8] for i in range(n)) / n
