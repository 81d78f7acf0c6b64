# fish completion for dotenv-run(1): its options and their values, then the command and the command's own completion.

# True once the command has started: after "--" or at the first word that is neither an
# option nor an option's value (getopt_long with "+").
function __dotenv_run_has_command
    set -l with_value -o -p -t -e --org --project --target --environment --api-url --ca-file --pin \
        --token-file --key-file --env-file --only --exclude --keep --prefix --retry-timeout \
        --connect-timeout --timeout --splay --format --as-file --env-as-file --fallback --fallback-key-file \
        --fallback-max-age --watch --on-change --stop-timeout
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip -eq 1
            set skip 0
        else if test "$word" = --
            return 0
        else if contains -- $word $with_value; or string match -qr -- '^-[vhV]*[opte]$' $word
            set skip 1
        else if not string match -q -- '-?*' $word
            return 0
        end
    end
    return 1
end

set -l before '-n' 'not __dotenv_run_has_command'

complete -c dotenv-run -f
complete -c dotenv-run $before -s o -l org -x -d 'Organization ULID (DOTENV_CLOUD_ORG)'
complete -c dotenv-run $before -s p -l project -x -d 'Project (DOTENV_CLOUD_PROJECT)'
complete -c dotenv-run $before -s t -l target -x -d 'Target (DOTENV_CLOUD_TARGET)'
complete -c dotenv-run $before -s e -l environment -x -d 'Environment; needs --target'
complete -c dotenv-run $before -l api-url -x -a 'https://' -d 'API base URL, https only'
complete -c dotenv-run $before -l ca-file -r -F -d 'Trust the CAs in FILE instead of the system store'
complete -c dotenv-run $before -l pin -x -a 'sha256//' -d 'Require this server public key'
complete -c dotenv-run $before -l token-file -r -F -d 'Read the API token from FILE'
complete -c dotenv-run $before -l key-file -r -F -d 'Read a client-managed project key from FILE'
complete -c dotenv-run $before -l env-file -r -F -d 'Also read a local .env file'
complete -c dotenv-run $before -l only -x -d 'Pass only these secrets (A,B)'
complete -c dotenv-run $before -l exclude -x -d 'Leave these secrets out (A,B)'
complete -c dotenv-run $before -l prefix -x -d 'Prepend P to the name of every secret'
complete -c dotenv-run $before -l no-expand -d 'Keep $VAR and ${VAR} in values as they are'
complete -c dotenv-run $before -l preserve-env -d 'Inherited variables win over secrets'
complete -c dotenv-run $before -l clean-env -d 'Start from an empty environment plus the secrets'
complete -c dotenv-run $before -l keep -x -a '(set -xn)' -d 'With --clean-env, also pass this variable'
complete -c dotenv-run $before -l allow-unsafe-names -d 'Allow LD_PRELOAD, BASH_ENV, NODE_OPTIONS and the like'
complete -c dotenv-run $before -l as-file -x -d 'Pass secret NAME as a sealed in-memory file (NAME or NAME=VAR)'
complete -c dotenv-run $before -l env-as-file -x -d 'Pass the other secrets as one .env file in memory'
complete -c dotenv-run $before -l retry-timeout -x -d 'Give up retrying after SEC seconds (default 60)'
complete -c dotenv-run $before -l connect-timeout -x -d 'Limit each connection attempt (default 10)'
complete -c dotenv-run $before -l timeout -x -d 'Limit each request (default 30)'
complete -c dotenv-run $before -l splay -x -d 'Wait a random 0..SEC seconds first'
complete -c dotenv-run $before -l watch -x -d 'Every SEC seconds, signal the command when its secrets change'
complete -c dotenv-run $before -l on-change -x -a 'TERM HUP INT QUIT USR1 USR2' -d 'The signal for a change (default TERM)'
complete -c dotenv-run $before -l restart -d 'With --watch, restart the command with the new values'
complete -c dotenv-run $before -l stop-timeout -x -d 'With --restart, SIGKILL after SEC seconds (default 10)'
complete -c dotenv-run $before -l export -d 'Print the variables the secrets add and exit'
complete -c dotenv-run $before -l format -x -a 'env json shell' -d 'Output format of --export'
complete -c dotenv-run $before -l check -d 'Fetch and decrypt, print counts per level, exit 0'
complete -c dotenv-run $before -l fallback -x -a '(__fish_complete_directories)' -d 'Keep a sealed fallback in DIR'
complete -c dotenv-run $before -l fallback-key-file -r -F -d 'The fallback key (32 bytes, base64) from FILE'
complete -c dotenv-run $before -l fallback-max-age -x -a '24h 72h 7d' -d 'Refuse a fallback older than AGE'
complete -c dotenv-run $before -l fallback-only -d 'Never contact the API: use the fallback only'
complete -c dotenv-run $before -s v -l verbose -d 'Say where each setting came from'
complete -c dotenv-run $before -s h -l help -d 'Show the help and exit'
complete -c dotenv-run $before -s V -l version -d 'Show the version and library versions'

# The command, then its own completion. Short options first: __fish_complete_subcommand
# takes leading "--words" as its own flags, and the rest as the options that take a value.
complete -c dotenv-run -x -a '(__fish_complete_subcommand -o -p -t -e --org --project --target --environment --api-url --ca-file --pin --token-file --key-file --env-file --only --exclude --keep --prefix --retry-timeout --connect-timeout --timeout --splay --format --as-file --env-as-file --fallback --fallback-key-file --fallback-max-age --watch --on-change --stop-timeout)'
