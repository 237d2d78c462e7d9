# fish completion for sheratan-state(1)

function __sheratan_state_subcommand
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for token in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $token
            case --db --format
                set skip 1
            case '-*'
            case '*'
                echo $token
                return 0
        end
    end
    return 1
end

function __sheratan_state_using
    set -l sub (__sheratan_state_subcommand)
    or return 1
    contains -- $sub $argv
end

complete -c sheratan-state -f

# Global options.
complete -c sheratan-state -l db -r -F -d 'Store path'
complete -c sheratan-state -l json -d 'Print JSON lines'
complete -c sheratan-state -l format -x -a 'table json tsv' -d 'Output format'
complete -c sheratan-state -s q -l quiet -d 'Print no informational messages on stderr'
complete -c sheratan-state -s v -l verbose -d 'Print more on stderr'
complete -c sheratan-state -s h -l help -d 'Print help'
complete -c sheratan-state -l version -d 'Print the version'
complete -c sheratan-state -l help-all -d 'Show help for every subcommand'

# Subcommands.
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a get -d 'Print the current state'
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a set -d 'Move the system to a state'
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a history -d 'Print the recorded transitions'
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a watch -d 'Stream transitions'
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a wait -d 'Block until the system is in a state'
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a eval -d 'Derive the state from the facts'
complete -c sheratan-state -n "not __sheratan_state_subcommand" -a reflect -d 'Self-diagnosis through REFLECTIVE'

set -l states 'OPERATIONAL DEGRADED REFLECTIVE RECOVERY PAUSED'
complete -c sheratan-state -n '__sheratan_state_using set wait' -a $states
complete -c sheratan-state -n '__sheratan_state_using set' -s r -l reason -x -d 'Why the state changes'
complete -c sheratan-state -n '__sheratan_state_using set eval reflect' -l actor -x -d 'Who asks'
complete -c sheratan-state -n '__sheratan_state_using set' -l meta -x -d 'More about it, as a JSON object'
complete -c sheratan-state -n '__sheratan_state_using history' -s n -l limit -x -d 'Only the last N'
complete -c sheratan-state -n '__sheratan_state_using history' -l since -x -d 'Only those at or after TIME'
complete -c sheratan-state -n '__sheratan_state_using watch' -l all -d 'Print the recorded transitions first'
complete -c sheratan-state -n '__sheratan_state_using wait' -l timeout -x -d 'Give up after DUR'
complete -c sheratan-state -n '__sheratan_state_using eval' -l apply -d 'Make the transition to the verdict'
