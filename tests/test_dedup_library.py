"""dedup/: normalisation, shingling, MinHash signatures and the LSH index, with no Scrapy involved."""

from __future__ import annotations

import random
import re
import unicodedata
import zlib

import pytest

from dedup import (
    MemoryBandStore,
    NearDuplicateIndex,
    ParameterMismatch,
    Signature,
    SignatureScheme,
    content_hash,
    normalize_text,
    shingles,
    tokens,
)
from dedup.index import CONFIRM_LIMIT
from dedup.marks import MARK_RANGES, UNICODE_VERSION
from dedup.minhash import SHINGLES_BEFORE_NUMPY
from dedup.packed_minhash import PackedPermutations, affine32_permutations
from dedup.shingles import holds_marks, holds_unspaced_marks
from tests.support.fresh_python import run_python
from tests.support.texts import hindi_story, template_family, thai_story


def words_with_jaccard(jaccard: float, size: int = 400, seed: int = 7) -> tuple[str, str]:
    """Two texts of distinct words whose 1-shingle sets have exactly the given Jaccard similarity."""
    rng = random.Random(seed)
    vocabulary = [f"w{n}" for n in rng.sample(range(10**6), 3 * size)]
    # |A∩B| / |A∪B| = shared / (2*size - shared)  =>  shared = 2*size*J / (1+J)
    shared = round(2 * size * jaccard / (1 + jaccard))
    common, only_a, only_b = vocabulary[:shared], vocabulary[size : 2 * size - shared], vocabulary[2 * size :]
    return " ".join(common + only_a), " ".join(common + only_b[: size - shared])


def test_normalize_text_folds_case_punctuation_and_typography():
    assert normalize_text("“Hello,”  WORLD — it’s   fine!") == normalize_text('"hello" world - it\'s fine')
    assert normalize_text("Straße\u00a0ＡＢＣ") == "strasse abc"


def test_content_hash_ignores_formatting_but_not_words():
    assert content_hash("The Cat sat.\n\nOn the mat!") == content_hash("the cat sat on the mat")
    assert content_hash("the cat sat on the mat") != content_hash("the cat sat on a mat")


def test_word_and_char_shingles():
    assert shingles("a b c d", 3) == {b"a b c", b"b c d"}
    assert shingles("a b", 3) == set()
    assert shingles("abcd", 3, kind="char") == {b"abc", b"bcd"}
    with pytest.raises(ValueError, match="shingle size"):
        shingles("a b c", 0)
    with pytest.raises(ValueError, match="kind"):
        shingles("a b c", 2, kind="line")


def test_chinese_and_japanese_are_shingled_a_character_at_a_time():
    blurb = "记者从有关部门获悉，今年以来各项工作稳步推进"
    assert len(shingles(blurb, 3)) == 19 and "部 门 获".encode() in shingles(blurb, 3)
    assert shingles("iPhone发布会", 3) == {"iphone 发 布".encode(), "发 布 会".encode()}
    assert shingles("見出しです", 2) == {w.encode() for w in ("見 出", "出 し", "し で", "で す")}
    scheme = SignatureScheme()
    edited = scheme.signature(blurb.replace("今年", "去年"))
    assert edited is not None and edited.jaccard(scheme.signature(blurb)) > 0.6


def test_a_word_keeps_its_combining_marks():
    # Hindi's vowel signs, Bengali's: \w matches none of them, and read with it "भारत" was "भ", "रत".
    assert tokens("भारत की नीति, ভারতের প্রধানমন্ত্রী ภาษาไทย") == [
        "भारत",
        "की",
        "नीति",
        "ভারতের",
        "প্রধানমন্ত্রী",
        "ภาษาไทย",
    ]
    # "की" and "के", "है" and "हैं" were one word: a correction between them changed no hash.
    assert content_hash("यह नीति की है") != content_hash("यह नीति के है")
    assert content_hash("सरकार तैयार है") != content_hash("सरकार तैयार हैं")
    assert tokens("I ❤️ NY; naïve café") == ["i", "ny", "naïve", "café"]  # a mark after no letter is no word
    assert holds_marks("भारत") and holds_marks("क़") and not holds_marks("naïve café, 中文")
    assert not holds_marks("รัฐบาล")  # Thai's signs do not join its words: see the next test


def test_a_sign_of_thai_lao_khmer_or_burmese_ends_the_word_it_is_written_in():
    # Written without spaces between words: a sign that joined letters would make a phrase of one word. It ends the
    # piece of a word \w splits there, which kept no sign: "ข้าว" (rice) and "ข่าว" (news) were one word.
    assert tokens("รัฐบาลไทย ประกาศ") == ["รั", "ฐบาลไทย", "ประกาศ"]
    assert content_hash("ราคาข้าว สูงขึ้น") != content_hash("ราคาข่าว สูงขึ้น")
    assert content_hash("ไม่ใช่") != content_hash("ไม้ใช่")
    for text in ("รัฐบาลไทยประกาศนโยบายใหม่ ทำ", "ພາສາລາວ ຄຳ", "ព្រះរាជាណាចក្រកម្ពុជា", "မြန်မာနိုင်ငံ"):
        assert len(tokens(text)) == len(re.findall(r"\w+", unicodedata.normalize("NFKC", text)))  # as many words
        assert holds_unspaced_marks(text) and not holds_marks(text)
    assert holds_unspaced_marks("ทำ")  # SARA AM: a sign once NFKC-decomposed, as tokens() reads it
    assert not holds_unspaced_marks("भारत की नीति, naïve café")
    scheme = SignatureScheme()
    story, other = " ".join(thai_story("one")), " ".join(thai_story("two"))
    edited = scheme.signature(story.replace("ข้าว", "ข่าว", 1))
    assert edited.jaccard(scheme.signature(story)) > 0.9
    assert scheme.signature(other).jaccard(scheme.signature(story)) < 0.2


def test_a_hindi_copy_with_a_word_changed_is_near_and_another_story_is_not():
    scheme = SignatureScheme()
    story, other = " ".join(hindi_story("one")), " ".join(hindi_story("two"))
    edited = scheme.signature(story.replace("सरकार", "बाजार", 1))
    assert edited.jaccard(scheme.signature(story)) > 0.9
    assert scheme.signature(other).jaccard(scheme.signature(story)) < 0.2


def ranges_in_unicodedata() -> list[tuple[int, int]]:
    """The combining marks of the Basic Multilingual Plane in this Python's unicodedata, as MARK_RANGES lists them
    (the table was made with it)."""
    found: list[tuple[int, int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code)) in ("Mn", "Mc", "Me"):
            if found and found[-1][1] == code - 1:
                found[-1] = (found[-1][0], code)
            else:
                found.append((code, code))
    return found


def test_the_table_of_combining_marks_is_unicodes():
    found = ranges_in_unicodedata()
    if unicodedata.unidata_version == UNICODE_VERSION:
        assert list(MARK_RANGES) == found
    else:  # another Python: every mark of the table is one there too (Unicode adds marks, it does not unmake them)
        marked = {code for first, last in found for code in range(first, last + 1)}
        assert all(code in marked for first, last in MARK_RANGES for code in range(first, last + 1))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"num_perm": 8}, "num_perm"),
        ({"num_perm": 128.0}, "num_perm"),
        ({"seed": -1}, "seed"),
        ({"shingle_size": 0}, "shingle_size"),
        ({"shingle_kind": "sentence"}, "shingle_kind"),
        ({"min_shingles": 0}, "min_shingles"),
    ],
)
def test_signature_scheme_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SignatureScheme(**kwargs)


def test_signature_round_trips_through_bytes():
    scheme = SignatureScheme()
    signature = scheme.signature(words_with_jaccard(0.5)[0])
    restored = Signature.from_bytes(signature.to_bytes(), signature.size)
    assert restored.jaccard(signature) == 1.0 and restored.size == signature.size == 398


def test_texts_too_short_to_shingle_get_no_signature():
    scheme = SignatureScheme(min_shingles=10)
    assert scheme.signature("") is None
    assert scheme.signature("only a handful of words here") is None
    assert scheme.signatures(["", "   "]) == [None, None]


@pytest.mark.parametrize("jaccard", [0.3, 0.5, 0.6, 0.7, 0.9])
def test_jaccard_estimate_is_close_to_the_truth(jaccard):
    scheme = SignatureScheme(num_perm=256, shingle_size=1)
    a, b = (scheme.signature(t) for t in words_with_jaccard(jaccard))
    assert a.jaccard(b) == pytest.approx(jaccard, abs=0.1)


def test_containment_estimate_for_a_text_cut_short():
    scheme = SignatureScheme(num_perm=256, shingle_size=1)
    full = " ".join(f"w{n}" for n in range(500))
    cut = " ".join(f"w{n}" for n in range(400))
    a, b = scheme.signature(cut), scheme.signature(full)
    assert a.jaccard(b) == pytest.approx(0.8, abs=0.1)
    assert a.containment_in(b) == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": 0.0}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"bands": 10}, "both bands and rows"),
        ({"bands": 40, "rows": 4}, "bands \\* rows"),
        ({"containment_threshold": 2}, "containment_threshold"),
    ],
)
def test_index_rejects_bad_parameters(kwargs, message):
    with pytest.raises(ValueError, match=message):
        NearDuplicateIndex(SignatureScheme(), **kwargs)


@pytest.mark.parametrize(
    "jaccard, linked",
    [(0.95, True), (0.8, True), (0.7, True), (0.45, False), (0.3, False), (0.1, False)],
)
def test_index_links_pairs_above_the_threshold_only(jaccard, linked):
    scheme = SignatureScheme(num_perm=128, shingle_size=1)
    index = NearDuplicateIndex(scheme, threshold=0.6)
    a, b = words_with_jaccard(jaccard, seed=int(jaccard * 100))
    index.add(1, scheme.signature(a))
    matches = index.find(scheme.signature(b))
    assert bool(matches) is linked
    if linked:
        assert matches[0].doc_id == 1 and matches[0].jaccard == pytest.approx(jaccard, abs=0.12)


def test_query_returns_candidates_and_confirm_filters_them():
    scheme = SignatureScheme(num_perm=128, shingle_size=1)
    index = NearDuplicateIndex(scheme, threshold=0.9, bands=64, rows=2)  # loose bands: many candidates
    a, b = words_with_jaccard(0.5)
    index.add(1, scheme.signature(a))
    probe = scheme.signature(b)
    assert index.query(probe) == {1}
    assert index.confirm(probe, {1}) == []


def test_confirm_gives_each_candidate_its_own_pair_figures():
    # Candidates are compared with the probe all at once: each match must still carry the Jaccard and the
    # containment of its own pair, as Signature.jaccard and containment_in give them one pair at a time.
    scheme = SignatureScheme(num_perm=128, shingle_size=1)
    index = NearDuplicateIndex(scheme, threshold=0.3, containment_threshold=0.6, min_size_ratio=0.2)
    full = [f"w{n}" for n in range(600)]
    probe = scheme.signature(" ".join(full[:400]))
    stored = {doc_id: scheme.signature(" ".join(full[: 100 * doc_id])) for doc_id in range(1, 7)}
    for doc_id, signature in stored.items():
        index.add(doc_id, signature)
    matches = index.confirm(probe, stored)
    assert len(matches) >= 4 and [m.jaccard for m in matches] == sorted((m.jaccard for m in matches), reverse=True)
    for match in matches:
        other = stored[match.doc_id]
        shorter, longer = sorted((probe, other), key=lambda s: s.size)
        assert match.jaccard == probe.jaccard(other)
        assert match.containment == shorter.containment_in(longer)
    wrong_length = NearDuplicateIndex(SignatureScheme(num_perm=64, shingle_size=1), threshold=0.3)
    wrong_length.store.add(1, [], stored[4])  # a signature of 128 values in an index of 64
    with pytest.raises(ValueError, match="differ in length"):
        wrong_length.confirm(SignatureScheme(num_perm=64, shingle_size=1).signature(" ".join(full[:400])), {1})


def test_band_keys_depend_on_band_number():
    scheme = SignatureScheme()
    index = NearDuplicateIndex(scheme, bands=4, rows=2)
    signature = Signature((7).to_bytes(4, "little") * scheme.num_perm, 20)
    keys = index.band_keys(signature)
    assert len(set(keys)) == 4  # equal values in every band still give one key per band
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_band_keys_made_once_per_signature_are_each_signatures_own():
    scheme = SignatureScheme()
    index = NearDuplicateIndex(scheme)
    a, b = (scheme.signature(text) for text in words_with_jaccard(0.3))
    assert a is not None and b is not None
    first = index.band_keys(a)
    first.clear()  # what a caller does with its list does not reach the next caller
    assert index.band_keys(a) == NearDuplicateIndex(scheme).band_keys(a) != []
    assert index.band_keys(b) != index.band_keys(a)
    equal = Signature(bytes(bytearray(a.values)), a.size)  # equal values, another object
    assert index.band_keys(equal) == index.band_keys(a)


def test_stored_parameters_are_checked():
    index = NearDuplicateIndex(SignatureScheme(num_perm=128), threshold=0.6)
    stored = index.params()
    index.check_stored(stored)
    with pytest.raises(ParameterMismatch, match="num_perm"):
        NearDuplicateIndex(SignatureScheme(num_perm=64), threshold=0.6).check_stored(stored)
    with pytest.raises(ParameterMismatch, match="permutation_scheme"):
        index.check_stored({**stored, "permutation_scheme": "legacy"})
    with pytest.raises(ParameterMismatch, match="bands"):
        index.check_stored({**stored, "bands": stored["bands"] + 1})
    assert issubclass(ParameterMismatch, ValueError)


def test_memory_store_holds_signatures_and_buckets():
    store = MemoryBandStore()
    scheme = SignatureScheme()
    index = NearDuplicateIndex(scheme, store=store)
    text = words_with_jaccard(0.5)[0]
    index.add(5, scheme.signature(text))
    assert len(store) == 1 and index.find(scheme.signature(text))[0].doc_id == 5


def test_dedup_never_imports_scrapy():
    run_python("import dedup, sys; assert not any(m == 'scrapy' or m.startswith('scrapy.') for m in sys.modules)")


def test_containment_confirms_cut_copies_of_similar_size_only():
    scheme = SignatureScheme(num_perm=256, shingle_size=1)
    index = NearDuplicateIndex(scheme, threshold=0.9, containment_threshold=0.8, min_size_ratio=0.5, lsh_threshold=0.3)
    full = " ".join(f"w{n}" for n in range(1000))
    index.add(1, scheme.signature(full))
    cut = scheme.signature(" ".join(f"w{n}" for n in range(700)))  # Jaccard 0.7, all of it contained
    tiny = scheme.signature(" ".join(f"w{n}" for n in range(200)))  # contained, but a fifth of the size
    (match,) = index.find(cut)
    assert match.jaccard < 0.9 and match.containment > 0.9
    assert index.find(tiny) == []
    with pytest.raises(ValueError, match="min_size_ratio"):
        NearDuplicateIndex(scheme, min_size_ratio=2)
    with pytest.raises(ValueError, match="lsh_threshold"):
        NearDuplicateIndex(scheme, lsh_threshold=0)


@pytest.mark.parametrize("num_perm", [64, 128, 256])
@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.6, 0.75, 0.9])
def test_banding_is_the_one_datasketch_chooses(threshold, num_perm):
    from datasketch import MinHashLSH

    from dedup.index import FALSE_NEGATIVE_WEIGHT, computed_bands, optimal_bands

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(1 - FALSE_NEGATIVE_WEIGHT, FALSE_NEGATIVE_WEIGHT))
    assert optimal_bands(threshold, num_perm) == computed_bands(threshold, num_perm) == (lsh.b, lsh.r)


def test_the_known_bandings_are_the_computed_ones_and_choosing_them_loads_no_numpy():
    from dedup.index import KNOWN_BANDS, computed_bands

    assert KNOWN_BANDS and all(computed_bands(*key) == banding for key, banding in KNOWN_BANDS.items())
    run_python(
        "import sys; from dedup import NearDuplicateIndex, SignatureScheme; "
        "index = NearDuplicateIndex(SignatureScheme(num_perm=128), lsh_threshold=0.5); "
        "assert (index.bands, index.rows) == (26, 3) and 'numpy' not in sys.modules; "
        "index = NearDuplicateIndex(SignatureScheme(num_perm=128), lsh_threshold=0.55); "
        "assert 'numpy' in sys.modules"
    )


def test_importing_dedup_leaves_datasketch_and_scipy_for_when_signing_needs_them():
    run_python(
        "import sys, dedup; scheme = dedup.SignatureScheme(); "
        "assert 'scipy' not in sys.modules and 'datasketch' not in sys.modules; "
        "scheme.load_minhash(); assert 'datasketch.minhash' in sys.modules"
    )


def test_signing_loads_datasketchs_minhash_without_scipy():
    run_python(  # a text of more shingles than a process signs without datasketch
        "import sys, dedup; from dedup.minhash import SHINGLES_BEFORE_NUMPY as budget; "
        "dedup.SignatureScheme().signature(' '.join(map(str, range(budget + 3)))); "
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('datasketch', 'scipy')); "
        "assert 'datasketch.minhash' in loaded and 'datasketch.lsh' not in loaded, loaded; "
        "assert not [m for m in loaded if m.startswith('scipy')], loaded"
    )


SIGN_AND_USE_THE_WHOLE_PACKAGE = """
import sys
{first}
import dedup
scheme = dedup.SignatureScheme()
texts = [" ".join(f"w{{n}}" for n in range(start, start + 300)) for start in (0, 30, 5000)]
signatures = [scheme.signature(text) for text in texts]
import datasketch
import numpy
from datasketch import MinHash, MinHashLSH
assert "scipy" in sys.modules and datasketch.MinHash is MinHash
assert datasketch.__version__ and datasketch.minhash.MinHash is MinHash
lsh = MinHashLSH(threshold=0.5, num_perm=scheme.num_perm)
for number, signature in enumerate(signatures):
    values = numpy.frombuffer(signature.values, dtype="<u4")
    lsh.insert(number, MinHash(num_perm=scheme.num_perm, hashvalues=values, scheme="affine32"))
first = numpy.frombuffer(signatures[0].values, dtype="<u4")
print(sorted(lsh.query(MinHash(num_perm=scheme.num_perm, hashvalues=first, scheme="affine32"))))
print([signature.to_bytes().hex() for signature in signatures])
"""


def test_the_rest_of_datasketch_loads_on_first_use_with_the_same_minhash():
    """Signing first loads only MinHash; datasketch used afterwards is whole, and signs alike."""
    lazily = run_python(SIGN_AND_USE_THE_WHOLE_PACKAGE.format(first=""))
    whole_first = run_python(SIGN_AND_USE_THE_WHOLE_PACKAGE.format(first="import datasketch"))
    assert lazily.splitlines()[0] == "[0, 1]"  # texts 0 and 1 share 270 of 330 words; text 2 none
    assert lazily == whole_first


def test_a_band_that_hundreds_share_is_read_in_part_and_the_copy_is_still_found():
    # Read whole, every look-up confirmed every document of the template: the cost grew with the index.
    scheme = SignatureScheme(num_perm=128, shingle_size=1)
    index = NearDuplicateIndex(scheme, threshold=0.6)
    text, copy, others = template_family(400)
    index.add(1, scheme.signature(copy))  # the oldest: the hot bands' latest documents are all others
    for doc_id, other in enumerate(others, start=2):
        index.add(doc_id, scheme.signature(other))
    keys = index.band_keys(scheme.signature(text))
    assert len(set(index.store.candidates(keys, 10**6))) > 4 * CONFIRM_LIMIT  # the whole bands
    candidates = index.query(scheme.signature(text))
    assert 1 in candidates and len(candidates) <= CONFIRM_LIMIT
    assert [m.doc_id for m in index.find(scheme.signature(text))] == [1]


def test_a_signatures_values_are_its_bytes_and_compare_as_numpy_compares_them():
    import numpy

    scheme = SignatureScheme()
    a, b = (scheme.signature(text) for text in words_with_jaccard(0.5))
    assert a is not None and b is not None and a.width == scheme.num_perm == len(a.values) // 4
    as_arrays = [numpy.frombuffer(s.values, dtype="<u4") for s in (a, b)]
    equal = float((as_arrays[0] == as_arrays[1]).mean())
    assert 0.2 < a.jaccard(b) == equal < 0.8 and a.jaccards([b, a]) == [equal, 1.0]
    assert Signature.from_bytes(a.to_bytes(), a.size) == a
    with pytest.raises(ValueError, match="whole 32-bit"):
        Signature(a.values[:-1], a.size)


@pytest.mark.parametrize("width", [16, 64, 128, 1024])
def test_equal_values_are_counted_as_numpy_counts_them(width):
    """Values that differ only in their top bit, or only in their lowest, count as different; shared ones
    anywhere count once each (each value a 32-bit lane of one integer, see Signature.jaccards)."""
    import numpy

    generator = random.Random(width)
    # (values shared, then the byte and bit flipped in the one value left: little-endian, byte 3's 0x80 is
    # a value's top bit, byte 0's 0x01 its lowest)
    cases = [(0, None), (1, None), (width // 3, None), (width - 1, (3, 0x80)), (width - 1, (0, 0x01)), (width, None)]
    for shared_count, flip in cases:
        mine = bytearray(generator.randbytes(4 * width))
        theirs = bytearray(generator.randbytes(4 * width))
        lanes = generator.sample(range(width), width)
        for lane in lanes[:shared_count]:
            theirs[4 * lane : 4 * lane + 4] = mine[4 * lane : 4 * lane + 4]
        if flip is not None:
            left = lanes[-1]
            theirs[4 * left : 4 * left + 4] = mine[4 * left : 4 * left + 4]
            theirs[4 * left + flip[0]] ^= flip[1]
        signatures = Signature(bytes(mine), 10), Signature(bytes(theirs), 10)
        arrays = [numpy.frombuffer(signature.values, dtype="<u4") for signature in signatures]
        expected = float((arrays[0] == arrays[1]).mean())
        assert signatures[0].jaccard(signatures[1]) == expected
        assert signatures[0].jaccards([signatures[1], signatures[0]]) == [expected, 1.0]


@pytest.mark.parametrize(("num_perm", "seed"), [(16, 0), (128, 1), (200, 7), (1024, 2**32 - 1)])
def test_signing_on_python_integers_gives_datasketchs_values(num_perm, seed):
    import zlib

    from datasketch import MinHash

    made_by_datasketch = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    assert affine32_permutations(num_perm, seed) == tuple(list(map(int, row)) for row in made_by_datasketch)
    packed = PackedPermutations.of(num_perm, seed)
    generator = random.Random(num_perm)
    for size in (0, 1, 2, 30, 2000):
        shingle_set = {generator.randbytes(generator.randint(1, 40)) for _ in range(size)}
        minhash = MinHash(num_perm=num_perm, seed=seed, hashfunc=zlib.crc32, scheme="affine32")
        minhash.update_batch(list(shingle_set))
        assert packed.minhash_values(map(zlib.crc32, shingle_set)) == minhash.hashvalues.astype("<u4").tobytes()


PERMUTATIONS_WITHOUT_NUMPY_RANDOM = """
import sys
import dedup
scheme = dedup.SignatureScheme()
scheme.load_minhash()
text = " ".join(f"w{n}" for n in range(5000))
print(scheme.signature(text).values.hex(), "numpy" in sys.modules, "numpy.random" in sys.modules)
"""


@pytest.mark.parametrize(("num_perm", "seed"), [(16, 0), (128, 1), (1024, 2**32 - 1)])
def test_a_scheme_hands_datasketch_the_permutations_it_would_draw_itself(num_perm, seed):
    """The permutations datasketch's MinHash is given are the array it makes (values, shape and type), drawn
    without numpy's random module: a process that signs with datasketch never imports it for that."""
    from datasketch import MinHash

    made_by_datasketch = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    ours = SignatureScheme(num_perm=num_perm, seed=seed)._permutations
    assert (ours.dtype, ours.shape) == (made_by_datasketch.dtype, made_by_datasketch.shape)
    assert (ours == made_by_datasketch).all()
    values, numpy_loaded, numpy_random_loaded = run_python(PERMUTATIONS_WITHOUT_NUMPY_RANDOM).split()
    assert (numpy_loaded, numpy_random_loaded) == ("True", "False")
    text = " ".join(f"w{n}" for n in range(5000))
    minhash = MinHash(num_perm=128, seed=1, hashfunc=zlib.crc32, scheme="affine32")
    minhash.update_batch(list(SignatureScheme().shingle(text)))
    assert bytes.fromhex(values) == minhash.hashvalues.astype("<u4").tobytes()


def test_a_seed_numpy_refuses_is_refused_on_python_integers_too():
    with pytest.raises(ValueError, match="seed"):
        PackedPermutations.of(128, 2**32)


SIGN_WITH_OR_WITHOUT_NUMPY = """
import sys
import dedup
scheme = dedup.SignatureScheme()
if sys.argv[1] == "numpy first":
    scheme.load_minhash()
texts = [" ".join(f"w{n}" for n in range(start, start + 1000)) for start in range(0, {count} * 1000, 1000)]
for text in texts:
    print(scheme.signature(text).values.hex(), "numpy" in sys.modules)
"""


def test_a_process_signs_its_first_texts_without_numpy_and_loads_it_once_that_pays():
    """Signing a few texts on Python integers costs less than loading numpy and datasketch (0.12 s of a
    core); once a process has signed SHINGLES_BEFORE_NUMPY shingles so, it loads them. The values are the same."""
    without_numpy = SHINGLES_BEFORE_NUMPY // 998  # texts of 998 shingles that fit in the budget
    count = without_numpy + 2
    code = SIGN_WITH_OR_WITHOUT_NUMPY.replace("{count}", str(count))
    signed_as_needed = [line.split() for line in run_python(code, "as needed").splitlines()]
    signed_with_numpy = [line.split() for line in run_python(code, "numpy first").splitlines()]
    assert [values for values, _ in signed_as_needed] == [values for values, _ in signed_with_numpy]
    assert len({values for values, _ in signed_as_needed}) == count
    numpy_loaded = [loaded == "True" for _, loaded in signed_as_needed]
    assert numpy_loaded == [False] * without_numpy + [True] * 2
