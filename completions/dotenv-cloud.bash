# bash completion for dotenv-cloud(1): commands and verbs, then the options the command takes and their values.
# Self-contained: it works without the bash-completion package.

_dotenv_cloud()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    local prev=
    (( COMP_CWORD > 0 )) && prev=${COMP_WORDS[COMP_CWORD-1]}
    COMPREPLY=()

    local with_value='-o -p -t -e --org --project --target --environment --api-url --ca-file --pin
        --token-file --key-file --retry-timeout --connect-timeout --timeout --limit --name --slug --new-key-file
        --format'
    local settings='-o -p -t -e --org --project --target --environment --api-url --ca-file --pin --token-file
        --key-file --retry-timeout --connect-timeout --timeout -v --verbose -h --help -V --version'

    # "--name=x" arrives as "--name" "=" "x" (= is in COMP_WORDBREAKS).
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = ]] && (( COMP_CWORD > 1 )); then
        prev=${COMP_WORDS[COMP_CWORD-2]}
    fi

    case $prev in
        --ca-file|--token-file|--key-file|--new-key-file)
            compopt -o filenames 2>/dev/null
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
            return 0 ;;
        --pin)
            mapfile -t COMPREPLY < <(compgen -W 'sha256//' -- "$cur")
            compopt -o nospace 2>/dev/null
            return 0 ;;
        --format)
            mapfile -t COMPREPLY < <(compgen -W 'env json shell' -- "$cur")
            return 0 ;;
        --api-url)
            mapfile -t COMPREPLY < <(compgen -W 'https://' -- "$cur")
            compopt -o nospace 2>/dev/null
            return 0 ;;
        -o|-p|-t|-e|--org|--project|--target|--environment|--retry-timeout|--connect-timeout|--timeout|\
        --limit|--name|--slug)
            return 0 ;;  # free text: nothing sensible to offer
    esac

    # The command words so far: options may come anywhere, so skip them and their values.
    local i=1 word words=() rest=0
    while (( i < COMP_CWORD )); do
        word=${COMP_WORDS[i]}
        if (( rest )); then
            words+=("$word")
        elif [[ $word == -- ]]; then
            rest=1
        elif [[ " ${with_value//$'\n'/ } " == *" $word "* || $word == -[vhV]*[opte] ]]; then
            (( i++ ))
            [[ ${COMP_WORDS[i]} == = ]] && (( i++ ))
        elif [[ $word != -?* ]]; then
            words+=("$word")
        fi
        (( i++ ))
    done

    local verbs=
    case ${words[0]} in
        orgs) verbs='list create show' ;;
        projects|targets|environments) verbs='list show create update delete' ;;
        versions) verbs='list show diff restore delete purge' ;;
        key) verbs='show history rotate verify' ;;
        fallback-key) verbs='new' ;;
        secrets) verbs='get set import unset edit clear' ;;
    esac
    local command=${words[0]}
    [[ -n $verbs && ${#words[@]} -ge 2 ]] && command="${words[0]} ${words[1]}"

    if [[ $cur == -* ]]; then
        local own=
        case $command in
            login) own='--no-browser' ;;
            whoami|'orgs create'|'orgs show'|'projects show'|'targets show'|'environments show') own='--json' ;;
            'orgs list'|plans|'projects list'|'targets list'|'environments list') own='--json --limit' ;;
            'projects create') own='--json --name --client-managed --new-key-file' ;;
            'targets create'|'environments create') own='--json --name' ;;
            'projects update'|'targets update'|'environments update') own='--json --name --slug' ;;
            'projects delete'|'targets delete'|'environments delete') own='--yes' ;;
            'versions list') own='--json --limit' ;;
            'versions show'|'versions diff'|'key show') own='--json --reveal' ;;
            'versions restore'|'key history'|'key verify') own='--json' ;;
            'versions delete'|'versions purge') own='--yes' ;;
            'key rotate') own='--new-key-file' ;;
            'secrets get') own='--json --format' ;;
            'secrets import') own='--replace' ;;
            'secrets clear') own='--yes' ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$settings $own" -- "$cur")
        return 0
    fi

    if (( ${#words[@]} == 0 )); then
        mapfile -t COMPREPLY < <(compgen -W 'login logout whoami orgs plans projects targets environments secrets versions key fallback-key help' -- "$cur")
    elif [[ ${words[0]} == help ]]; then
        if (( ${#words[@]} == 1 )); then
            mapfile -t COMPREPLY < <(compgen -W 'login logout whoami orgs plans projects targets environments secrets versions key fallback-key' -- "$cur")
        elif (( ${#words[@]} == 2 )); then
            case ${words[1]} in
                orgs) mapfile -t COMPREPLY < <(compgen -W 'list create show' -- "$cur") ;;
                projects|targets|environments)
                    mapfile -t COMPREPLY < <(compgen -W 'list show create update delete' -- "$cur") ;;
                versions) mapfile -t COMPREPLY < <(compgen -W 'list show diff restore delete purge' -- "$cur") ;;
                key) mapfile -t COMPREPLY < <(compgen -W 'show history rotate verify' -- "$cur") ;;
                fallback-key) mapfile -t COMPREPLY < <(compgen -W 'new' -- "$cur") ;;
                secrets) mapfile -t COMPREPLY < <(compgen -W 'get set import unset edit clear' -- "$cur") ;;
            esac
        fi
    elif [[ -n $verbs && ${#words[@]} -eq 1 ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$verbs" -- "$cur")
    elif [[ $command == 'fallback-key new' && ${#words[@]} -eq 2 ]]; then
        compopt -o filenames 2>/dev/null
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    fi
    return 0
}
complete -F _dotenv_cloud dotenv-cloud
