#!/bin/sh
# Locked cases: a clone that holds some case keys but not others.  check notes the cases it
# cannot read as locked (a note, not an error: exit 0 when what it can read is clean), status
# lists them as locked rows; a working tree that still holds ciphertext is decrypted on the
# fly; a damaged blob is an error, a key file others may read is refused.
. "$(dirname "$0")/lib.sh"
need init filter-process member unlock keygen

echo "1..23"

sandbox
# No identity of the test's own: keygen writes the default one, under the sandbox's HOME.
unset CASEFILE_IDENTITY

# alice makes the repository: two clean cases under the repository key; then bob, an
# independent reviewer, is given case 2026-004 only (which gets a key of its own).
r="$tmp/origin"
"$CASEFILE" keygen --no-passphrase >/dev/null 2>&1 &&
	mkdir "$r" && "$CASEFILE" -C "$r" init --partnership "Test LSCP" --member alice \
	>"$tmp/init.out" 2>&1 &&
	mkdir "$r/cases" &&
	cp -r "$CF_SRCDIR/example-repo/cases/2026-004" "$CF_SRCDIR/example-repo/cases/2026-011" \
		"$r/cases/" &&
	git -C "$r" add . && git -C "$r" commit -qm "two cases" &&
	CASEFILE_IDENTITY="$tmp/bob.id" "$CASEFILE" keygen --no-passphrase >"$tmp/bob.pub" 2>/dev/null &&
	"$CASEFILE" -C "$r" member add bob "$(cat "$tmp/bob.pub")" --case 2026-004 \
		>"$tmp/member.out" 2>&1 &&
	git -C "$r" commit -qm "bob reviews 2026-004"
check $? "origin: two cases, the repository key, and 2026-004 under a case key given to bob"
repo_key=$(sed -n 's/^  member log .* the repository key \([0-9a-f]\{16\}\) made, .*/\1/p' "$tmp/init.out")
case_key=$(sed -n 's/^casefile: member add: new key \([0-9a-f]\{16\}\) for case 2026-004$/\1/p' "$tmp/member.out")
[ -n "$repo_key" ] && [ -n "$case_key" ] && [ "$repo_key" != "$case_key" ]
check $? "init made the repository key ($repo_key), member add a key for 2026-004 ($case_key)"
"$CASEFILE" -C "$r" check >"$tmp/origin.out" 2>&1
check $? "alice, holding every key: check passes, nothing locked"
grep -q 'locked' "$tmp/origin.out"
check $((! $?)) "alice sees no locked case"

# ---- a clone with no keys at all ------------------------------------------------------------
c0="$tmp/nokeys"
git clone -q "$r" "$c0" 2>/dev/null
"$CASEFILE" -C "$c0" check >"$tmp/c0.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^cases/2026-004: note\[crypt/locked\]: encrypted with key $case_key, which this clone does not hold: not checked$" "$tmp/c0.out" &&
	grep -q "^cases/2026-011: note\[crypt/locked\]: encrypted with key $repo_key, which this clone does not hold: not checked$" "$tmp/c0.out" &&
	grep -q '^casefile: no errors, no warnings in 2 cases; 2 locked$' "$tmp/c0.out"
check $? "a fresh clone without keys: both cases noted as locked, exit 0"
[ $rc -eq 0 ] || show "$tmp/c0.out"

# ---- bob's clone: the case key only ----------------------------------------------------------
c1="$tmp/bob"
git clone -q "$r" "$c1" 2>/dev/null &&
	"$CASEFILE" -C "$c1" init >/dev/null 2>&1 &&
	CASEFILE_IDENTITY="$tmp/bob.id" "$CASEFILE" -C "$c1" unlock >"$tmp/unlock.out" 2>&1 &&
	[ -f "$c1/.git/casefile/keys/$case_key.key" ] &&
	[ ! -f "$c1/.git/casefile/keys/$repo_key.key" ]
check $? "bob's clone: unlock installs the case key and not the repository key"
grep -q '^title: Child D$' "$c1/cases/2026-004/case.yaml"
check $? "bob reads 2026-004 in plaintext"

"$CASEFILE" -C "$c1" check >"$tmp/c1.out" 2>&1
rc=$?
check $rc "check exits 0: the readable case is clean, the other is only locked"
grep -q "^cases/2026-011: note\[crypt/locked\]: encrypted with key $repo_key, which this clone does not hold: not checked$" "$tmp/c1.out"
check $? "the case bob does not hold is one note line, naming its key"
grep -q '2026-004' "$tmp/c1.out"
check $((! $?)) "the case bob holds is checked and clean: not mentioned"
grep -q '^casefile: no errors, no warnings in 2 cases; 1 locked$' "$tmp/c1.out"
check $? "the summary counts 1 locked"
[ $rc -eq 0 ] || show "$tmp/c1.out"

"$CASEFILE" -C "$c1" check --format json >"$tmp/c1.json" 2>&1
python3 - "$tmp/c1.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["summary"] == {"errors": 0, "warnings": 0, "cases": 2, "locked": 1}, d["summary"]
[x] = d["diagnostics"]
assert x["severity"] == "note" and x["rule"] == "crypt/locked" and x["case"] == "2026-011", x
PY
check $? "check --format json: one note crypt/locked, summary locked 1"

"$CASEFILE" -C "$c1" status >"$tmp/status.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^2026-011  *locked  *(no key)' "$tmp/status.out" &&
	grep -q '^2026-004  *Child D  *notification  *review ' "$tmp/status.out" &&
	grep -q '^2 cases: .*1 locked' "$tmp/status.out"
check $? "status: 2026-011 is a locked row, 2026-004 a full row"
[ $rc -eq 0 ] || show "$tmp/status.out"
"$CASEFILE" -C "$c1" status --format json | python3 -c '
import json, sys
d = json.load(sys.stdin)
rows = {c["case"]: c for c in d["cases"]}
assert rows["2026-011"]["locked"] is True and rows["2026-004"]["locked"] is False, rows
assert d["totals"]["locked"] == 1, d["totals"]
'
check $? "status --format json: locked true for 2026-011 only"

"$CASEFILE" -C "$c1" check 2026-011 >"$tmp/one.out" 2>&1 &&
	grep -q 'note\[crypt/locked\]' "$tmp/one.out"
check $? "check 2026-011 by name: the note, exit 0"

# ---- a working tree that still holds ciphertext ------------------------------------------------
# A fresh clone (no filter configured: the files stay as git stores them) given the case key
# by hand: check decrypts what it reads.
c2="$tmp/raw"
git clone -q "$r" "$c2" 2>/dev/null &&
	mkdir -m 700 -p "$c2/.git/casefile/keys" &&
	cp "$c1/.git/casefile/keys/$case_key.key" "$c2/.git/casefile/keys/" &&
	chmod 600 "$c2/.git/casefile/keys/$case_key.key"
head -c 8 "$c2/cases/2026-004/case.yaml" | od -c | head -1 |
	grep -q '\\0   C   F   C   R   Y   P   T'
check $? "the raw clone's working tree holds ciphertext"
"$CASEFILE" -C "$c2" check >"$tmp/c2.out" 2>&1 &&
	grep -q '^casefile: no errors, no warnings in 2 cases; 1 locked$' "$tmp/c2.out" &&
	! grep -q '2026-004' "$tmp/c2.out"
check $? "check decrypts the ciphertext working tree: 2026-004 checked and clean, 1 locked"
"$CASEFILE" -C "$c2" status 2>&1 | grep -q '^2026-004  *Child D '
check $? "status reads it too"
"$CASEFILE" -C "$c2" show 2026-004 >"$tmp/show.out" 2>&1 &&
	grep -q '^2026-004  Child D$' "$tmp/show.out"
check $? "and show" || show "$tmp/show.out"
"$CASEFILE" -C "$c2" show 2026-011 >"$tmp/show2.out" 2>&1
[ $? = 3 ] && grep -q 'this clone holds no key for case 2026-011' "$tmp/show2.out"
check $? "show of a case this clone holds no key for: exit 3, says so" || show "$tmp/show2.out"

# Flip one bit of byte 80 (inside the ciphertext): overwriting it with a fixed byte would,
# one run in 256, write the byte it already holds and damage nothing.
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[80] ^= 1; open(p, "wb").write(b)' "$c2/cases/2026-004/case.yaml"
"$CASEFILE" -C "$c2" check >"$tmp/tamper.out" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q '^cases/2026-004/case.yaml: error\[crypt/tampered\]' "$tmp/tamper.out"
check $? "a damaged blob: error crypt/tampered, exit 1"
git -C "$c2" checkout -q -- cases

chmod 644 "$c2/.git/casefile/keys/$case_key.key"
"$CASEFILE" -C "$c2" check >"$tmp/perm.out" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q 'crypt/key-permissions' "$tmp/perm.out"
check $? "a key file others may read: refused, exit 3"
chmod 600 "$c2/.git/casefile/keys/$case_key.key"

"$CASEFILE" explain crypt/locked >"$tmp/explain.out" 2>&1 && grep -q 'not an error' "$tmp/explain.out"
check $? "explain crypt/locked"
