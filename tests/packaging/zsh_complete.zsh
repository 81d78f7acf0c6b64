#!/usr/bin/zsh -f
# Prints, one per line, the matches zsh's completion system offers for a command line, driving a real
# interactive zsh through zpty: compinit loads the completion functions from FPATH_DIR, Tab completes,
# and compadd is wrapped to print each match between markers instead of showing it.
# Usage: zsh_complete.zsh FPATH_DIR 'dotenv-cloud proj' [DUMP_FILE]
# DUMP_FILE caches compinit's scan of every completion function between calls (-D: no cache).
zmodload zsh/zpty || exit 2
local dir=$1 line=$2 dump=$3 out=

zpty z zsh -f -i
zpty -w z "PS1= PS2= PROMPT= RPROMPT= KEYTIMEOUT=1"
zpty -w z "fpath=(${(q)dir} \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
zpty -w z "zstyle ':completion:*' format ''; zstyle ':completion:*' menu no"
# -O, -A and -D only collect matches for the caller; everything else is a match offered to the user.
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"
  local -A __o; zparseopts -E -A __o P: p: S: s: q Q f e U l 1 2 n o: J: V: X: x: r: R: W: F: M: a k d: D: O: A: E: I: i:
  local h; for h in $__hits; do print -r -- "<ma""tch>${__o[-P]-}$h</ma""tch>"; done
}'
# The markers are split in the commands, so that the echo of the commands never holds them.
zpty -w z 'null-line () { print -r -- "<be""gin/>" }; done-line () { print -r -- "<en""d/>"; exit }'
zpty -w z 'compprefuncs=(null-line); comppostfuncs=(done-line)'
zpty -w z "bindkey '^I' complete-word"
zpty -w z "$line"$'\t'
local chunk
while zpty -r z chunk; do
  out+=$chunk
  [[ $out == *'<end/>'* ]] && break
done
zpty -d z
out=${out##*'<begin/>'}
print -rl -- ${(f)"$(print -r -- $out | grep -o '<match>.*</match>' | sed 's/<match>\(.*\)<\/match>/\1/')"}
