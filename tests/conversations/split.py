"""Split the writers' files (tests/conversations/incoming/*.yml) into dev/ and test/.

    python -m tests.conversations.split [--check]

Deterministic: a conversation goes to test/ when the first 8 hex digits of sha256(id) are odd,
else to dev/ — about 50/50, and a conversation never changes sides when others are added. Each
incoming file becomes dev/<file>.yml and test/<file>.yml holding the conversations' original YAML
text (comments included; the file's header comment is copied to both). When a file's text cannot
be cut cleanly, its conversations are re-dumped instead (allow_unicode, key order kept).

The whole incoming set is validated first (FORMAT.md; ids unique across files); nothing is
written if it is invalid. --check prints the split without writing.
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import yaml

from tests.conversations.runner import HERE, SPLITS, FormatError, load_paths, yaml_load

INCOMING = HERE / "incoming"


def side(conversation_id: str) -> str:
    digest = hashlib.sha256(conversation_id.encode("utf-8")).hexdigest()
    return "test" if int(digest[:8], 16) % 2 else "dev"


def cut(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(header, [(id, the item's text)]) of a YAML list file, cut at the lines where its top-level
    items start; comments between items stay with the item before them."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        return text, []
    if not isinstance(root, yaml.SequenceNode):
        raise ValueError("not a YAML list")
    lines = text.splitlines(keepends=True)
    starts = [item.start_mark.line for item in root.value]
    header = "".join(lines[:starts[0]]) if starts else text
    items = []
    for n, item in enumerate(root.value):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        chunk = "".join(lines[starts[n]:end])
        if not chunk.lstrip().startswith("-"):
            raise ValueError(f"item {n + 1} does not start a line")
        ids = [v for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "id"] \
            if isinstance(item, yaml.MappingNode) else []
        items.append((ids[0].value if ids else "", chunk if chunk.endswith("\n") else chunk + "\n"))
    return header, items


def split_file(path: Path) -> dict[str, str]:
    """{"dev": text, "test": text} for one incoming file."""
    text = path.read_text(encoding="utf-8")
    parts: dict[str, list[str]] = {"dev": [], "test": []}
    try:
        header, items = cut(text)
        for cid, chunk in items:
            parts[side(cid)].append(chunk)
        out = {s: header + "".join(chunks) for s, chunks in parts.items()}
        # The cut must give back exactly the original conversations.
        original = yaml_load(text) or []
        again = (yaml_load(out["dev"]) or []) + (yaml_load(out["test"]) or [])
        if sorted(map(repr, original)) != sorted(map(repr, again)):
            raise ValueError("cut text does not re-read to the same conversations")
        return out
    except (ValueError, yaml.YAMLError):
        data = yaml_load(text) or []
        dumped = {s: [c for c in data if side(str(c.get("id"))) == s] for s in parts}
        return {s: (yaml.safe_dump(v, allow_unicode=True, sort_keys=False, width=120) if v else "")
                for s, v in dumped.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conversations.split", description=__doc__.splitlines()[0])
    parser.add_argument("--incoming", default=str(INCOMING), help="directory of the writers' files")
    parser.add_argument("--check", action="store_true", help="print the split, write nothing")
    args = parser.parse_args(argv)
    files = sorted(Path(args.incoming).glob("*.yml"))
    if not files:
        print(f"no files in {args.incoming}", file=sys.stderr)
        return 2
    try:
        convs = load_paths(files)
    except FormatError as exc:
        print(f"invalid incoming files ({len(exc.errors)} problems), nothing written:", file=sys.stderr)
        for e in exc.errors:
            print(f"  {e}", file=sys.stderr)
        return 2
    totals = {"dev": 0, "test": 0}
    for path in files:
        out = split_file(path)
        counts = {s: sum(1 for c in convs if c.source == path.name and side(c.id) == s) for s in out}
        for s, text in out.items():
            totals[s] += counts[s]
            target = SPLITS[s] / path.name
            if args.check:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if counts[s]:
                target.write_text(text, encoding="utf-8")
            elif target.exists():
                target.unlink()
        print(f"{path.name}: dev {counts['dev']}, test {counts['test']}")
    print(f"total: dev {totals['dev']}, test {totals['test']}" + (" (not written: --check)" if args.check else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
