#!/usr/bin/env python3
"""Every text of the message catalogue has both languages (issue #16).

Usage: check_catalogue.py MSGFMT PO_DIR

po/medsettle.pot holds the English texts (the gettext msgids, extracted from
the sources by po/update.sh); for each language's .po file this checks that
  - msgfmt --check --statistics accepts it and counts no fuzzy or
    untranslated message;
  - every msgid of the .pot has a non-empty, non-fuzzy translation;
  - the translation has the msgid's fmt placeholders ({}, {0}, {:x}, ...)
    in the same number and order ({{ and }} are literal braces), and ends
    with a newline exactly when the msgid does.
Prints each problem as PO_FILE: msgid: problem, and exits 1 on any.
"""
import re
import subprocess
import sys


def unquote(s):
    return re.sub(r'\\(.)', lambda m: {'n': '\n', 't': '\t'}.get(m.group(1), m.group(1)), s)


def entries(path):
    """The (msgid, msgstr, fuzzy) of every active entry but the header."""
    out, cur, key, flags = [], None, None, ''
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('#,'):
            flags = line
            continue
        m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if m:
            key = m.group(1)
            if key in ('msgid', 'msgctxt') and (cur is None or 'msgstr' in cur):
                cur = {'fuzzy': 'fuzzy' in flags}
                out.append(cur)
                flags = ''
            cur[key] = cur.get(key, '') + unquote(m.group(2))
            continue
        m = re.match(r'^"(.*)"$', line)
        if m and cur is not None and key:
            cur[key] += unquote(m.group(1))
            continue
        key = None
    return [(e['msgid'], e.get('msgstr', ''), e['fuzzy']) for e in out if e.get('msgid')]


def placeholders(text):
    return re.findall(r'\{[^{}]*\}', text.replace('{{', '').replace('}}', ''))


def check(msgfmt, pot, po):
    problems = []
    run = subprocess.run([msgfmt, '--check', '--statistics', '--output-file=/dev/null', po],
                         capture_output=True, text=True)
    stats = (run.stdout + run.stderr).strip()
    print(f'{po}: msgfmt: {stats}')
    if run.returncode != 0:
        problems.append(f'{po}: msgfmt --check failed')
    if 'fuzzy' in stats or 'untranslated' in stats:
        problems.append(f'{po}: msgfmt counts fuzzy or untranslated messages: {stats}')
    translated = {msgid: (msgstr, fuzzy) for msgid, msgstr, fuzzy in entries(po)}
    ids = [msgid for msgid, _, _ in entries(pot)]
    for msgid in ids:
        msgstr, fuzzy = translated.get(msgid, ('', False))
        say = lambda what: problems.append(f'{po}: {msgid!r}: {what}')
        if msgid not in translated:
            say('missing (run po/update.sh)')
        elif not msgstr:
            say('not translated')
        elif fuzzy:
            say('fuzzy (check the translation, then remove the fuzzy flag)')
        elif placeholders(msgid) != placeholders(msgstr):
            say(f'placeholders {placeholders(msgid)} translated as {placeholders(msgstr)}: {msgstr!r}')
        elif msgid.endswith('\n') != msgstr.endswith('\n'):
            say('the msgid and its translation differ in the final newline')
    print(f'{po}: {len(ids)} texts of {pot} checked')
    return problems


def main():
    msgfmt, po_dir = sys.argv[1], sys.argv[2]
    problems = []
    for lang in ['zh_CN']:
        problems += check(msgfmt, f'{po_dir}/medsettle.pot', f'{po_dir}/{lang}.po')
    for p in problems:
        print(p)
    print(f'{len(problems)} problems')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
