#!/usr/bin/env python3
"""The shape of the source tree (docs/ARCHITECTURE.md), checked:

- no function in src/ is longer than 80 lines (from the line of its name to
  its closing brace);
- no file in src/cli/ is longer than 250 lines, and none parses JSON itself
  (includes simdjson);
- the layers run one way: a file of a layer includes only its own folder and
  the folders of the layers below it (the build enforces it too, with a
  per-layer include tree; this names the offending line), and nothing
  outside src/cli includes cli/.

Usage: check_layout.py SOURCE_DIR. Exit 1 and one line per problem.
"""
import os
import re
import sys

MAX_FUNCTION = 80
MAX_CLI_FILE = 250
# What each layer may include of src/ (itself included).
BELOW = {
    "core": {"core"},
    "rules": {"rules", "core"},
    "io": {"io", "core"},
    "gen": {"gen", "core"},
    "store": {"store", "io", "core", "rules"},
    "audit": {"audit", "io", "core"},
    "report": {"report", "io", "core", "rules"},
    "show": {"show", "report", "io", "core", "rules"},
    "capi": {"capi"},
    "cli": {"cli"},
}


def strip(text):
    """The text with comments, strings and character literals blanked (lines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith('R"', i):
            m = re.match(r'R"([^(\s]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, last line) of each function body at namespace or class level."""
    text = strip(open(path, encoding="utf-8").read())
    found = []
    depth_kinds = []  # for each open brace: "func", "scope" (namespace, class, enum, init) or "inner"
    starts = []
    i, n = 0, len(text)
    line = 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "{":
            inside_function = "func" in depth_kinds
            head = text[max(0, i - 400):i]
            head_stmt = re.split(r"[;{}]", head)[-1]
            kind = "inner"
            if not inside_function:
                if re.search(r"\b(namespace|class|struct|union|enum)\b[^()]*$", head_stmt) or re.search(r"=\s*$", head_stmt):
                    kind = "scope"
                elif re.search(r"\)\s*(const|noexcept|override|final|->[^{]*|&|&&|\s|:[^{]*)*$", head_stmt) and re.search(r"\w", head_stmt):
                    kind = "func"
                else:
                    kind = "scope"
            depth_kinds.append(kind)
            if kind == "func":
                name = re.findall(r"([~\w:]+)\s*\(", head_stmt)
                first = line - head_stmt.count("\n")
                while first < line and not text.splitlines()[first - 1].strip():
                    first += 1
                starts.append((name[0] if name else "?", first))
        elif c == "}":
            if depth_kinds:
                kind = depth_kinds.pop()
                if kind == "func":
                    name, first = starts.pop()
                    found.append((name, first, line))
        i += 1
    return found


def layer_of(rel):
    parts = rel.split("/")
    return parts[1] if len(parts) > 2 and parts[0] == "src" else None


def main():
    root = sys.argv[1]
    problems = []
    for dirpath, _, files in os.walk(os.path.join(root, "src")):
        for f in sorted(files):
            if not f.endswith((".cpp", ".hpp")):
                continue
            path = os.path.join(dirpath, f)
            rel = os.path.relpath(path, root)
            layer = layer_of(rel)
            lines = open(path, encoding="utf-8").read().splitlines()
            for name, first, last in functions(path):
                if last - first + 1 > MAX_FUNCTION:
                    problems.append(f"{rel}:{first}: function {name} is {last - first + 1} lines (at most {MAX_FUNCTION})")
            if layer == "cli":
                if len(lines) > MAX_CLI_FILE:
                    problems.append(f"{rel}: {len(lines)} lines; a file of the command has at most {MAX_CLI_FILE}")
            for k, text in enumerate(lines, 1):
                m = re.match(r'\s*#\s*include\s*["<]([^">]+)[">]', text)
                if not m:
                    continue
                inc = m.group(1)
                if layer == "cli" and inc.startswith("simdjson"):
                    problems.append(f"{rel}:{k}: the command parses no JSON itself ({inc})")
                top = inc.split("/")[0]
                if top in BELOW and layer in BELOW and top not in BELOW[layer]:
                    problems.append(f"{rel}:{k}: layer {layer} includes {inc} (it may use {', '.join(sorted(BELOW[layer]))})")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
