# bash completion for dotenv-run(1): its options and their values, then the command and the command's own completion.
# Self-contained: it works without the bash-completion package, and uses _command_offset from it when loaded.

_dotenv_run()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=
    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()

    local with_value='-o -p -t -e --org --project --target --environment --api-url --ca-file --pin
        --token-file --key-file --env-file --only --exclude --keep --prefix --retry-timeout
        --connect-timeout --timeout --splay --format --as-file --env-as-file --fallback --fallback-key-file
        --fallback-max-age --watch --on-change --stop-timeout'
    local flags='--no-expand --preserve-env --clean-env --allow-unsafe-names --export --check --fallback-only --restart
        -v --verbose -h --help -V --version'

    # "--format=js" arrives as "--format" "=" "js" (= is in COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi

    # Like getopt_long with "+": the command starts after "--" or at the first word that is
    # neither an option nor an option's value; from there on, the words are the command's.
    local i=1 word
    while (( i < COMP_CWORD )); do
        word=${COMP_WORDS[i]}
        if [[ $word == -- ]]; then
            (( i++ ))
            break
        elif [[ " ${with_value//$'\n'/ } " == *" $word "* || $word == -[vhV]*[opte] ]]; then
            (( i++ ))
            [[ ${COMP_WORDS[i]} == = ]] && (( i++ ))
        elif [[ $word != -?* ]]; then
            break
        fi
        (( i++ ))
    done
    if (( i < COMP_CWORD )) || [[ $i -eq $COMP_CWORD && ${COMP_WORDS[i-1]} == -- ]]; then
        if declare -F _command_offset >/dev/null; then
            _command_offset "$i"
        elif (( i == COMP_CWORD )); then
            mapfile -t COMPREPLY < <(compgen -c -- "$cur" | LC_ALL=C sort -u)
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
    fi

    case $prev in
        --format)
            mapfile -t COMPREPLY < <(compgen -W 'env json shell' -- "$cur")
            return 0 ;;
        --on-change)
            mapfile -t COMPREPLY < <(compgen -W 'TERM HUP INT QUIT USR1 USR2' -- "$cur")
            return 0 ;;
        --ca-file|--token-file|--key-file|--env-file|--fallback-key-file)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0 ;;
        --fallback)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -d -- "$cur")
            return 0 ;;
        --fallback-max-age)
            mapfile -t COMPREPLY < <(compgen -W '24h 72h 7d' -- "$cur")
            return 0 ;;
        --keep)
            mapfile -t COMPREPLY < <(compgen -e -- "${cur##*,}")
            [[ $cur == *,* ]] && COMPREPLY=("${COMPREPLY[@]/#/${cur%,*},}")
            return 0 ;;
        --pin)
            mapfile -t COMPREPLY < <(compgen -W 'sha256//' -- "$cur")
            compopt -o nospace 2>/dev/null
            return 0 ;;
        --api-url)
            mapfile -t COMPREPLY < <(compgen -W 'https://' -- "$cur")
            compopt -o nospace 2>/dev/null
            return 0 ;;
        -o|-p|-t|-e|--org|--project|--target|--environment|--only|--exclude|--prefix|\
        --retry-timeout|--connect-timeout|--timeout|--splay|--as-file|--env-as-file|--watch|--stop-timeout)
            return 0 ;;  # free text: nothing sensible to offer
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$with_value $flags" -- "$cur")
    else
        mapfile -t COMPREPLY < <(compgen -c -- "$cur" | LC_ALL=C sort -u)
    fi
    return 0
}
complete -F _dotenv_run dotenv-run
