#!/usr/bin/env python3
"""Self-check of the search-index resources (stdlib only).

Validates the formats of
  synonyms.txt       one concept group per line: "fi:x | sv:y | en:z"
  compounds-fi.txt   Finnish compound parts, one per line
  compounds-sv.txt   Swedish compound parts, one per line
implements the decompounding rule the engine uses, asserts a set of known cases, and prints
sample splits of the corpus words so that false splits can be spotted by eye.

Splitting rule (as specified for the engine):
  * a word (lowercased) is split only when it can be segmented COMPLETELY into >= 2 listed
    parts, each part >= 3 letters (any segmentation, not greedy);
  * Swedish only: one linking "s" or "e" may stand between two parts (samtal+s+grupp);
  * the last part may be followed by an inflection ending of at most 4 letters (Finnish) or
    3 letters (Swedish).  By default the endings come from the lists below; with
    --any-ending every letter string up to that length is accepted (the worst case, useful to
    look for false splits).

Usage:
  python3 check_resources.py                  # validate, assert, print samples + summary
  python3 check_resources.py --per-text 0     # only the summary of distinct splits
  python3 check_resources.py --any-ending     # worst-case ending rule
  python3 check_resources.py --words a b c    # show how given words split (fi and sv)
  python3 check_resources.py --corpus 'dir/part-*.jsonl'
Exit status 0 when every check passes, 1 otherwise.
"""

import argparse
import collections
import glob
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = "/work/shared/corpus/part-*.jsonl"
LANGS = ("fi", "sv", "en")
PART_RE = re.compile(r"^[a-zåäöé]{3,}$")
WORD_RE = re.compile(r"[a-zåäöéü]+")
# characters allowed in a synonym entry: letters, digits, inner spaces, hyphen, apostrophe
ENTRY_RE = re.compile(r"^[a-zåäöéüñ0-9](?:[a-zåäöéüñ0-9 '\-]*[a-zåäöéüñ0-9])?$")
MIN_PART = 3
MAX_ENDING = {"fi": 4, "sv": 3}
LINKING = {"fi": (), "sv": ("s", "e")}

# Inflection endings that may follow the last part (case endings, plural markers, possessive
# suffixes and clitics for Finnish; plural/definite/genitive for Swedish).
ENDINGS = {
    "fi": set("""
        n t a ä ta tä na nä ksi ssa ssä sta stä lla llä lta ltä lle
        an en in on un yn än ön han hen hin hon hun hyn hän hön seen siin
        ja jä ia iä ita itä ihin issa issä ista istä illa illä ilta iltä ille ina inä iksi
        isin ine den tten jen ien iden itä ineen
        ni si nsa nsä mme nne kin ko kö pa pä
        aan ään een iin oon uun yyn öön ten sin
    """.split()),
    "sv": set("""
        s n t e a en et er ar or na ne es ns ens ets ers ars ors rna rne ens na
    """.split()),
}
for _l in ENDINGS:
    ENDINGS[_l] = {e for e in ENDINGS[_l] if len(e) <= MAX_ENDING[_l]}


# --------------------------------------------------------------------------- parsing

def content_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        raw = f.read()
    if "\r" in raw:
        yield 0, None, "file contains CR characters (use LF line endings)"
    for no, line in enumerate(raw.split("\n"), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        yield no, s, None


def load_synonyms(path, errors, warnings):
    groups = []
    seen_groups = {}
    entry_groups = collections.defaultdict(list)
    for no, line, err in content_lines(path):
        if err:
            errors.append(f"{path}: {err}")
            continue
        entries = line.split(" | ")
        group = []
        ok = True
        for e in entries:
            e2 = e.strip()
            if e2 != e:
                errors.append(f"synonyms:{no}: stray whitespace around entry {e!r} (separator must be ' | ')")
            if "|" in e2:
                errors.append(f"synonyms:{no}: bad separator in {e!r} (must be ' | ')")
                ok = False
                continue
            if ":" not in e2:
                errors.append(f"synonyms:{no}: entry without language prefix: {e2!r}")
                ok = False
                continue
            lang, text = e2.split(":", 1)
            if lang not in LANGS:
                errors.append(f"synonyms:{no}: invalid language prefix {lang!r} in {e2!r}")
                ok = False
                continue
            if not text.strip():
                errors.append(f"synonyms:{no}: empty entry {e2!r}")
                ok = False
                continue
            if text != text.strip() or "  " in text:
                errors.append(f"synonyms:{no}: extra spaces in entry {e2!r}")
            if text != text.lower():
                errors.append(f"synonyms:{no}: entry not lowercase: {e2!r}")
            elif not ENTRY_RE.match(text):
                errors.append(f"synonyms:{no}: unexpected characters in entry {e2!r}")
            group.append((lang, text))
        if not ok:
            continue
        if len(group) < 2:
            errors.append(f"synonyms:{no}: group with fewer than 2 entries")
        dup = [x for x, c in collections.Counter(group).items() if c > 1]
        if dup:
            errors.append(f"synonyms:{no}: duplicate entries in group: {dup}")
        key = frozenset(group)
        if key in seen_groups:
            errors.append(f"synonyms:{no}: duplicate group (same as line {seen_groups[key]})")
        seen_groups[key] = no
        if len({l for l, _ in group}) < 2:
            warnings.append(f"synonyms:{no}: group has only one language")
        for ent in set(group):
            entry_groups[ent].append(no)
        groups.append((no, group))
    for ent, nos in sorted(entry_groups.items()):
        if len(nos) > 1:
            warnings.append(f"synonyms: entry {ent[0]}:{ent[1]} occurs in several groups (lines {nos})")
    return groups


def load_parts(path, errors, warnings, label):
    parts = []
    seen = {}
    for no, line, err in content_lines(path):
        if err:
            errors.append(f"{path}: {err}")
            continue
        if line != line.lower():
            errors.append(f"{label}:{no}: not lowercase: {line!r}")
        if not PART_RE.match(line):
            errors.append(f"{label}:{no}: invalid entry {line!r} (letters a-z, åäö, é only; length >= 3)")
            continue
        if line in seen:
            errors.append(f"{label}:{no}: duplicate entry {line!r} (first on line {seen[line]})")
            continue
        seen[line] = no
        parts.append(line)
    return set(parts)


# --------------------------------------------------------------------------- splitting

class Splitter:
    def __init__(self, parts, lang, any_ending=False):
        self.parts = {p for p in parts if len(p) >= MIN_PART}
        self.lang = lang
        self.any_ending = any_ending
        self.max_len = max((len(p) for p in self.parts), default=0)
        self.linking = LINKING[lang]
        self.max_ending = MAX_ENDING[lang]
        self.endings = ENDINGS[lang]

    def _ending_ok(self, rest):
        if rest == "":
            return True
        if len(rest) > self.max_ending:
            return False
        return self.any_ending or rest in self.endings

    def segmentations(self, word, limit=64):
        """All segmentations of word into >= 2 parts, as lists of pieces; a linking letter is
        shown as "(s)", an inflection ending as "(+en)"."""
        word = word.lower()
        out = []
        n = len(word)

        def rec(i, acc):
            if len(out) >= limit:
                return
            for j in range(i + MIN_PART, min(n, i + self.max_len) + 1):
                piece = word[i:j]
                if piece not in self.parts:
                    continue
                acc2 = acc + [piece]
                if len(acc2) >= 2 and self._ending_ok(word[j:]):
                    out.append(acc2 + ([f"(+{word[j:]})"] if j < n else []))
                if j < n:
                    rec(j, acc2)
                    if word[j] in self.linking and j + 1 < n:
                        rec(j + 1, acc2 + [f"({word[j]})"])

        rec(0, [])
        return out

    def split(self, word):
        segs = self.segmentations(word)
        if not segs:
            return None

        def key(seg):
            real = [p for p in seg if not p.startswith("(")]
            extra = sum(len(p) - 2 for p in seg if p.startswith("("))
            return (len(real), extra, [-len(p) for p in real])

        return min(segs, key=key)


def fmt(seg):
    return "+".join(seg)


# --------------------------------------------------------------------------- assertions

FI_CASES = [
    ("kielikahvila", ["kieli", "kahvila"]),
    ("läksykerho", ["läksy", "kerho"]),
    ("kielikahvilaan", ["kieli", "kahvila", "(+an)"]),
    ("naistenryhmä", ["naisten", "ryhmä"]),
    ("satakunta", None),
    ("satutuokio", ["satu", "tuokio"]),
    # extra guards (trap words of the domain)
    ("satakunnan", None),
    ("kielisilta", None),
    ("kielisillan", None),
    ("perhekahvila", ["perhe", "kahvila"]),
    ("keskusteluryhmä", ["keskustelu", "ryhmä"]),
    ("pyöräilykoulu", ["pyöräily", "koulu"]),
    ("uimakoulu", ["uima", "koulu"]),
    ("ompelukerhossa", ["ompelu", "kerho", "(+ssa)"]),
]
SV_CASES = [
    ("svenskakurs", ["svenska", "kurs"]),
    ("språkcafé", ["språk", "café"]),
    ("samtalsgrupp", ["samtal", "(s)", "grupp"]),
    ("konkurs", None),
    ("föräldragrupp", ["föräldra", "grupp"]),
    # extra guards
    ("kvinnogrupper", ["kvinno", "grupp", "(+er)"]),
    ("läxhjälpen", ["läx", "hjälp", "(+en)"]),
    ("simskola", ["sim", "skola"]),
    ("familjecafé", ["familj", "(e)", "café"]),
    ("jobbsökarverkstad", ["jobb", "sökar", "verkstad"]),
    ("kontakt", None),
    ("konsert", None),
]


def run_cases(splitters, errors):
    print("== assertions")
    for lang, cases in (("fi", FI_CASES), ("sv", SV_CASES)):
        sp = splitters[lang]
        for word, expected in cases:
            segs = sp.segmentations(word)
            if expected is None:
                ok = not segs
                shown = "no split" if ok else f"SPLITS as {[fmt(s) for s in segs]}"
                want = "no split"
            else:
                ok = expected in segs
                shown = f"{fmt(sp.split(word))} (all: {[fmt(s) for s in segs]})" if segs else "no split"
                want = fmt(expected)
            status = "ok  " if ok else "FAIL"
            print(f"  {status} {lang} {word!r}: want {want}; got {shown}")
            if not ok:
                errors.append(f"assertion failed: {lang} {word!r}: want {want}, got {shown}")


# --------------------------------------------------------------------------- corpus samples

def corpus_texts(pattern):
    for path in sorted(glob.glob(pattern)):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                rec = json.loads(line)
                for field in ("title", "summary", "description"):
                    for lang, text in (rec.get(field) or {}).items():
                        yield rec.get("external_id", "?"), field, lang, text


def corpus_report(splitters, pattern, per_text):
    texts = list(corpus_texts(pattern))
    if not texts:
        print(f"== corpus: no files match {pattern!r}; sample skipped")
        return
    counts = {"fi": collections.Counter(), "sv": collections.Counter()}
    unsplit = {"fi": collections.Counter(), "sv": collections.Counter()}
    how = {}
    if per_text:
        print(f"== sample splits per corpus text (up to {per_text} words each)")
    for ext_id, field, lang, text in texts:
        if lang not in splitters:
            continue
        sp = splitters[lang]
        shown = []
        for w in WORD_RE.findall(text.lower()):
            if len(w) < 2 * MIN_PART:
                continue
            key = (lang, w)
            if key not in how:
                how[key] = sp.split(w)
            seg = how[key]
            if seg:
                counts[lang][w] += 1
                if w not in shown:
                    shown.append(w)
            elif len(w) >= 11:
                unsplit[lang][w] += 1
        if per_text and shown:
            sample = ", ".join(f"{w}={fmt(how[(lang, w)])}" for w in shown[:per_text])
            print(f"  {ext_id} {field}.{lang}: {sample}")
    for lang in ("fi", "sv"):
        c = counts[lang]
        print(f"== {lang}: {len(c)} distinct corpus words split ({sum(c.values())} occurrences)")
        for w, n in sorted(c.items(), key=lambda x: (-x[1], x[0])):
            print(f"  {n:3d} {w} = {fmt(how[(lang, w)])}")
        u = unsplit[lang]
        print(f"== {lang}: {len(u)} distinct long words (>= 11 letters) NOT split (candidates to review)")
        print("  " + " ".join(w for w, _ in sorted(u.items(), key=lambda x: (-x[1], x[0]))))


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=HERE, help="directory of the resource files")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS, help="glob of corpus JSONL files")
    ap.add_argument("--per-text", type=int, default=4, help="split words shown per corpus text (0 = none)")
    ap.add_argument("--any-ending", action="store_true", help="accept any letters as ending (worst case)")
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus report")
    ap.add_argument("--words", nargs="*", help="only show how these words split")
    args = ap.parse_args()

    errors, warnings = [], []
    syn = load_synonyms(os.path.join(args.dir, "synonyms.txt"), errors, warnings)
    fi = load_parts(os.path.join(args.dir, "compounds-fi.txt"), errors, warnings, "compounds-fi")
    sv = load_parts(os.path.join(args.dir, "compounds-sv.txt"), errors, warnings, "compounds-sv")
    n_entries = sum(len(g) for _, g in syn)
    print(f"== synonyms.txt: {len(syn)} groups, {n_entries} entries; "
          f"compounds-fi.txt: {len(fi)} parts; compounds-sv.txt: {len(sv)} parts")

    splitters = {"fi": Splitter(fi, "fi", args.any_ending), "sv": Splitter(sv, "sv", args.any_ending)}

    if args.words:
        for w in args.words:
            for lang in ("fi", "sv"):
                segs = splitters[lang].segmentations(w)
                best = splitters[lang].split(w)
                print(f"  {lang} {w}: {fmt(best) if best else 'no split'}"
                      + (f"   (all: {[fmt(s) for s in segs]})" if len(segs) > 1 else ""))
        return 0

    run_cases(splitters, errors)
    if not args.no_corpus:
        corpus_report(splitters, args.corpus, args.per_text)

    if warnings:
        print(f"== {len(warnings)} warnings")
        for w in warnings:
            print("  warning: " + w)
    if errors:
        print(f"== FAILED: {len(errors)} errors")
        for e in errors:
            print("  error: " + e)
        return 1
    print("== OK: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
