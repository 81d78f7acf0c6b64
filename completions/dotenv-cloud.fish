# fish completion for dotenv-cloud(1): commands and verbs, the settings options anywhere, and each command's own options.

# The command words given so far: options may come anywhere, so skip them and their values.
function __dotenv_cloud_words
    set -l with_value -o -p -t -e --org --project --target --environment --api-url --ca-file --pin \
        --token-file --key-file --retry-timeout --connect-timeout --timeout --limit --name --slug --new-key-file \
        --format
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for word in $words
        if test $skip -eq 1
            set skip 0
        else if contains -- $word $with_value; or string match -qr -- '^-[vhV]*[opte]$' $word
            set skip 1
        else if not string match -q -- '-?*' $word
            echo $word
        end
    end
end

# True when the command words given so far are exactly the arguments.
function __dotenv_cloud_at
    set -l given (__dotenv_cloud_words)
    test "$given" = "$argv"
end

# True when the command given so far takes the option $argv[1].
function __dotenv_cloud_takes
    set -l given (__dotenv_cloud_words)
    set -l own
    switch "$given[1] $given[2]"
        case 'login*'
            set own --no-browser
        case 'whoami*' 'orgs create' 'orgs show' 'projects show' 'targets show' 'environments show'
            set own --json
        case 'orgs list' 'plans*' 'projects list' 'targets list' 'environments list'
            set own --json --limit
        case 'projects create'
            set own --json --name --client-managed --new-key-file
        case 'targets create' 'environments create'
            set own --json --name
        case 'projects update' 'targets update' 'environments update'
            set own --json --name --slug
        case 'projects delete' 'targets delete' 'environments delete' 'versions delete' 'versions purge' \
            'secrets clear'
            set own --yes
        case 'versions list'
            set own --json --limit
        case 'versions show' 'versions diff' 'key show'
            set own --json --reveal
        case 'versions restore' 'key history' 'key verify'
            set own --json
        case 'key rotate'
            set own --new-key-file
        case 'secrets get'
            set own --json --format
        case 'secrets import'
            set own --replace
    end
    contains -- $argv[1] $own
end

complete -c dotenv-cloud -f

# Commands, verbs and help topics.
complete -c dotenv-cloud -n __dotenv_cloud_at -a login -d 'Log in with a browser; store the login'
complete -c dotenv-cloud -n __dotenv_cloud_at -a logout -d 'Forget the stored login for this API URL'
complete -c dotenv-cloud -n __dotenv_cloud_at -a whoami -d 'Show who the token is'
complete -c dotenv-cloud -n __dotenv_cloud_at -a orgs -d 'Organizations: list, create, show'
complete -c dotenv-cloud -n __dotenv_cloud_at -a plans -d 'List the plans and their limits'
complete -c dotenv-cloud -n __dotenv_cloud_at -a projects -d 'Projects'
complete -c dotenv-cloud -n __dotenv_cloud_at -a targets -d 'Targets of a project (-p)'
complete -c dotenv-cloud -n __dotenv_cloud_at -a environments -d 'Environments of a target (-p -t)'
complete -c dotenv-cloud -n __dotenv_cloud_at -a secrets -d 'The variables of a level'
complete -c dotenv-cloud -n __dotenv_cloud_at -a versions -d 'Backup versions of a level'
complete -c dotenv-cloud -n __dotenv_cloud_at -a key -d 'The project key: show, history, rotate, verify'
complete -c dotenv-cloud -n __dotenv_cloud_at -a fallback-key -d "A key for dotenv-run's offline fallback"
complete -c dotenv-cloud -n __dotenv_cloud_at -a help -d 'Show the help of a command'
complete -c dotenv-cloud -n '__dotenv_cloud_at orgs' -a 'list create show'
for group in projects targets environments
    complete -c dotenv-cloud -n "__dotenv_cloud_at $group" -a 'list show create update delete'
end
complete -c dotenv-cloud -n '__dotenv_cloud_at versions' -a 'list show diff restore delete purge'
complete -c dotenv-cloud -n '__dotenv_cloud_at key' -a 'show history rotate verify'
complete -c dotenv-cloud -n '__dotenv_cloud_at secrets' -a 'get set import unset edit clear'
complete -c dotenv-cloud -n '__dotenv_cloud_at fallback-key' -a 'new'
complete -c dotenv-cloud -n '__dotenv_cloud_at fallback-key new' -F
complete -c dotenv-cloud -n '__dotenv_cloud_at help' -a 'login logout whoami orgs plans projects targets environments secrets versions key fallback-key'

# The settings options, anywhere.
complete -c dotenv-cloud -s o -l org -x -d 'Organization ULID (DOTENV_CLOUD_ORG)'
complete -c dotenv-cloud -s p -l project -x -d 'Project (DOTENV_CLOUD_PROJECT)'
complete -c dotenv-cloud -s t -l target -x -d 'Target (DOTENV_CLOUD_TARGET)'
complete -c dotenv-cloud -s e -l environment -x -d 'Environment (DOTENV_CLOUD_ENVIRONMENT)'
complete -c dotenv-cloud -l api-url -x -a 'https://' -d 'API base URL, https only'
complete -c dotenv-cloud -l ca-file -r -F -d 'Trust the CAs in FILE instead of the system store'
complete -c dotenv-cloud -l pin -x -a 'sha256//' -d 'Require this server public key'
complete -c dotenv-cloud -l token-file -r -F -d 'Read the API token from FILE'
complete -c dotenv-cloud -l key-file -r -F -d 'Read a client-managed project key from FILE'
complete -c dotenv-cloud -l retry-timeout -x -d 'Give up retrying after SEC seconds (default 60)'
complete -c dotenv-cloud -l connect-timeout -x -d 'Limit each connection attempt (default 10)'
complete -c dotenv-cloud -l timeout -x -d 'Limit each request (default 30)'
complete -c dotenv-cloud -s v -l verbose -d 'Say where each setting came from'
complete -c dotenv-cloud -s h -l help -d 'Show the help and exit'
complete -c dotenv-cloud -s V -l version -d 'Show the version and library versions'

# Each command's own options, offered only to the commands that take them.
complete -c dotenv-cloud -n '__dotenv_cloud_takes --json' -l json -d "Print the API's data as JSON"
complete -c dotenv-cloud -n '__dotenv_cloud_takes --limit' -l limit -x -d 'Stop a list after N items'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --yes' -l yes -d 'Delete without asking'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --name' -l name -x -d 'The display name'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --slug' -l slug -x -d 'The new slug'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --client-managed' -l client-managed -d 'You keep the key'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --new-key-file' -l new-key-file -r -F -d 'Write the new key to FILE'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --reveal' -l reveal -d 'Print the decrypted values'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --format' -l format -x -a 'env json shell' -d 'Print as env, json or shell'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --replace' -l replace -d 'The file becomes the whole level'
complete -c dotenv-cloud -n '__dotenv_cloud_takes --no-browser' -l no-browser -d 'Print the URL only; do not start a browser'
