#!/bin/sh
# make demo: an encrypted case repository made from example-repo/ (every case is invented),
# then what the business office and a reviewer see.  Everything goes under demo/ (ignored by
# git): the repository, and an identity for the demo member.
set -u
casefile=$1
here=$(cd "$(dirname "$0")/.." && pwd)
demo="$here/demo"
rm -rf "$demo"
mkdir -p "$demo/repo"
# A repository of its own: demo/ lies inside the project's checkout, and casefile init
# (rightly) refuses to set up a directory inside another repository.
git init -q "$demo/repo" || exit 1
export CASEFILE_IDENTITY="$demo/identity"
export GIT_AUTHOR_NAME="Demo Business Office" GIT_AUTHOR_EMAIL="office@northdale.invalid"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
run() {
	echo
	echo "\$ $*"
	"$@"
	echo "(exit $?)"
}
echo "== A member's identity, and an encrypted repository holding the example's cases"
# A throw-away identity for the demo, protected by its file's mode only; a member's real
# one is made with a passphrase (`casefile keygen` asks for it on a terminal).
run "$casefile" keygen --no-passphrase
run "$casefile" init "$demo/repo" --partnership "Northdale Safeguarding Children Partnership" \
	--member office --example
# The example carries deliberate errors (the point of the check below), which the
# pre-commit hook would refuse: an import of existing records skips that one validation with
# --no-verify.  Plaintext still cannot get past pre-push or a server's pre-receive hook.
git -C "$demo/repo" commit -q --no-verify -m "The example partnership's cases" || exit 1
git -C "$demo/repo" gc -q
echo
echo "== What git stores (and any server would hold): ciphertext only"
blob=$(git -C "$demo/repo" rev-parse HEAD:cases/2025-011/family.yaml)
echo "\$ git cat-file -p $blob | head -c 48 | od -c | head -3"
git -C "$demo/repo" cat-file -p "$blob" | head -c 48 | od -c | head -3
if git -C "$demo/repo" cat-file --batch-all-objects --batch | grep -aq "Vosper-Hatch"; then
	# the name of a family member in example-repo/cases/2025-011/family.yaml
	echo "!! a family name was found in git's objects"
else
	echo "No family name from the example is in any git object."
fi
echo
echo "== The business office's page before the Case Review Group"
run "$casefile" -C "$demo/repo" status
echo
echo "== Every problem in every case, compiler-style (exit 1: errors found)"
run "$casefile" -C "$demo/repo" check
echo
echo "== Is the publication-stage case ready to publish?"
run "$casefile" -C "$demo/repo" ready 2025-011
echo
echo "== A reviewer deletes a required date from a clean case and tries to commit it"
sed -i '/^  tor_agreed:/d' "$demo/repo/cases/2026-004/case.yaml"
git -C "$demo/repo" add cases/2026-004/case.yaml
run git -C "$demo/repo" commit -q -m "2026-004: dates"
git -C "$demo/repo" reset -q
git -C "$demo/repo" checkout -q -- cases/2026-004
echo
echo "== Is this clone set up to keep plaintext out of git?"
run "$casefile" -C "$demo/repo" doctor
echo
echo "Also: casefile status --format html -o status.html (a printable page), --format csv,"
echo "      casefile check --staged (what the hook runs), casefile check --rev HEAD,"
echo "      casefile show 2025-006, casefile explain deadline/rapid-review, casefile member list."
echo "The demo repository is in demo/repo; remove it with rm -rf demo."
