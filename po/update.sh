#!/bin/sh
# The message catalogue (GNU gettext, domain "medsettle"):
#   po/update.sh          regenerates po/medsettle.pot from the sources (src/, include/)
#                         and merges it into po/zh_CN.po: new texts appear there with
#                         an empty (or a fuzzy, guessed) msgstr, to translate;
#   po/update.sh --check  changes nothing: fails if po/medsettle.pot lacks a text of
#                         the sources or holds one they no longer have (a ctest).
# Texts are marked N_("...") (and the command's tr(N_("...")), src/cli/text.hpp);
# they are fmt patterns: a translation keeps every {} in the same order.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=${1:-update}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sorted, relative paths: the .pot's references do not depend on the machine.
find src include -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) | LC_ALL=C sort > "$tmp/files"
xgettext --language=C++ --from-code=UTF-8 --keyword=N_ --keyword=tr \
  --flag=N_:1:no-c-format --flag=tr:1:no-c-format \
  --package-name=medsettle --msgid-bugs-address="the medsettle issue tracker" --sort-by-file --add-comments=TRANSLATORS: \
  --files-from="$tmp/files" --output="$tmp/medsettle.pot"

# Every msgid on one line (a text with line breaks spans several lines in a .po file).
msgids() {
  msgcat --no-wrap --sort-output "$1" |
    awk '/^msgid /{ m = 1; s = substr($0, 7); next } m && /^"/{ s = s $0; next } m { print s; m = 0 }'
}

case "$mode" in
  --check)
    msgids "$tmp/medsettle.pot" > "$tmp/new"
    msgids po/medsettle.pot > "$tmp/old"
    if ! diff -u "$tmp/old" "$tmp/new" > "$tmp/diff"; then
      echo "po/medsettle.pot is out of date with the sources (- only in the .pot, + only in the sources):"
      cat "$tmp/diff"
      echo "run po/update.sh, translate the new texts in po/zh_CN.po, and commit both"
      exit 1
    fi
    echo "po/medsettle.pot: $(($(grep -c "^msgid " po/medsettle.pot) - 1)) texts, up to date with the sources"
    ;;
  update)
    # Keep the old file when only its creation date would change.
    if [ ! -f po/medsettle.pot ] || ! diff -q -I '^"POT-Creation-Date:' po/medsettle.pot "$tmp/medsettle.pot" >/dev/null; then
      cp "$tmp/medsettle.pot" po/medsettle.pot
    fi
    if [ -f po/zh_CN.po ]; then
      msgmerge --quiet --update --backup=none --previous po/zh_CN.po po/medsettle.pot
      msgattrib --no-obsolete --output-file=po/zh_CN.po po/zh_CN.po  # texts the sources no longer have
    else
      msginit --no-translator --locale=zh_CN.UTF-8 --input=po/medsettle.pot --output-file=po/zh_CN.po
    fi
    msgfmt --check --statistics --output-file=/dev/null po/zh_CN.po
    ;;
  *) echo "usage: po/update.sh [--check]" >&2; exit 2 ;;
esac
