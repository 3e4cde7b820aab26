"""Stories: articles that carry the same text across outlets and language editions
(wire copies), grouped by MinHash LSH over word shingles within a date window and
confirmed by a containment check.

  shingles.py   the word shingles of an article's search form, and containment
  signature.py  its MinHash signature (datasketch) and LSH band keys
  store.py      the tables (story_signatures, story_bands, stories) and their SQL
  cluster.py    a story as the connected component of confirmed pairs: refreshed
                incrementally per article, or rebuilt whole
  diff.py       what a copy changes against its story's origin
"""
