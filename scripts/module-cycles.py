#!/usr/bin/env python3
"""Lists import cycles among sibling modules of a Rust crate (issue 15's check).

For every pair of modules with the same parent, an edge A -> B means code in A (or
below it) names B (or something below it) through `crate::`, `super::` or a bare
sibling path. Test modules (`#[cfg(test)] mod tests`, files named tests.rs) are left
out: tests may look anywhere. A child naming its parent's own items is not a cycle.

    python3 scripts/module-cycles.py core/src core/src/bin/microgov bindings-python/src bindings-node/src

Prints each cycle; exits 1 if there is one.
"""
import re
import sys
from pathlib import Path


def module_path(root: Path, f: Path, crate_root: str):
    rel = f.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts == [crate_root] or parts == ["lib"] or parts == ["main"]:
        return []
    if parts[-1] == "mod":
        parts = parts[:-1]
    return parts


def strip_tests(text: str) -> str:
    # Drop `#[cfg(test)] mod x { ... }` blocks by brace matching.
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\(crate\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    text = "".join(out)
    # Comments and strings.
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(?:\\.|[^"\\])*"', '""', text)


def refs(mod, text, modules):
    found = set()
    for m in re.finditer(r"\b((?:crate|super|self)(?:::\w+)+|(?:crate|super)::\{[^}]*\})", text):
        path = m.group(1)
        if "{" in path:
            head, inner = path.split("::{", 1)
            items = [head + "::" + x.strip() for x in inner.rstrip("}").split(",") if x.strip()]
        else:
            items = [path]
        for p in items:
            segs = p.split("::")
            base = []
            if segs[0] == "crate":
                base, segs = [], segs[1:]
            else:
                base = list(mod)
                while segs and segs[0] in ("super", "self"):
                    if segs[0] == "super":
                        base = base[:-1]
                    segs = segs[1:]
            target = base + [s for s in segs if re.match(r"^[a-z_][a-z0-9_]*$", s)]
            # Longest known module prefix.
            while target and tuple(target) not in modules:
                target = target[:-1]
            found.add(tuple(target))
    return found


def main(root_dirs):
    bad = 0
    for root in map(Path, root_dirs):
        # A binary below src/bin is a crate of its own: check it with its own folder.
        files = [
            f
            for f in root.rglob("*.rs")
            if f.name != "tests.rs" and not {"tests", "bin"} & set(f.relative_to(root).parts[:-1])
        ]
        crate_root = "lib"
        mods = {}
        for f in files:
            mods[tuple(module_path(root, f, crate_root))] = strip_tests(f.read_text())
        # Inline `mod x {` blocks are rare here and counted with their file.
        edges = {}
        for mod, text in mods.items():
            for t in refs(list(mod), text, mods):
                # Find the first differing level: siblings under a common parent.
                k = 0
                while k < min(len(mod), len(t)) and mod[k] == t[k]:
                    k += 1
                if k >= len(mod) or k >= len(t):
                    continue  # ancestor/descendant
                a, b = mod[: k + 1], t[: k + 1]
                edges.setdefault(a, set()).add(b)
        # Tarjan's strongly connected components.
        index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]

        def visit(v):
            index[v] = low[v] = n[0]
            n[0] += 1
            stack.append(v)
            on.add(v)
            for w in edges.get(v, ()):
                if w not in index:
                    visit(w)
                    low[v] = min(low[v], low[w])
                elif w in on:
                    low[v] = min(low[v], index[w])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    sccs.append(comp)

        sys.setrecursionlimit(10000)
        for v in list(edges):
            if v not in index:
                visit(v)
        for comp in sccs:
            bad += 1
            names = sorted("::".join(c) for c in comp)
            print(f"{root}: cycle among {', '.join(names)}")
            for a in comp:
                for b in sorted(edges.get(a, ())):
                    if b in comp:
                        print(f"    {'::'.join(a)} -> {'::'.join(b)}")
        if not sccs:
            print(f"{root}: no cycle among {len(mods)} modules")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["core/src"]))
