# fish completion for sheratan-probe(1)
# Host names come from the tool itself: sheratan-probe ls --json.

function __sheratan_probe_subcommand
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

function __sheratan_probe_using
    set -l sub (__sheratan_probe_subcommand)
    or return 1
    contains -- $sub $argv
end

function __sheratan_probe_hosts
    set -l tokens (commandline -opc)
    set -l cmd $tokens[1]
    set -l db
    for i in (seq 2 (count $tokens))
        switch $tokens[$i]
            case --db
                set -l next (math $i + 1)
                set db $tokens[$next]
            case '--db=*'
                set db (string replace -- --db= '' $tokens[$i])
        end
    end
    set -l args ls --json
    if test -n "$db"
        set args --db $db $args
    end
    $cmd $args 2>/dev/null | string replace -r -f '^.*?"name":"([^"]*)".*$' '$1'
end

complete -c sheratan-probe -f

# Global options.
complete -c sheratan-probe -l db -r -F -d 'Store path'
complete -c sheratan-probe -l json -d 'Print JSON lines'
complete -c sheratan-probe -l format -x -a 'table json tsv' -d 'Output format'
complete -c sheratan-probe -s q -l quiet -d 'Print no informational messages on stderr'
complete -c sheratan-probe -s v -l verbose -d 'Print more on stderr'
complete -c sheratan-probe -s h -l help -d 'Print help'
complete -c sheratan-probe -l version -d 'Print the version'
complete -c sheratan-probe -l help-all -d 'Show help for every subcommand'

# Subcommands.
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a add -d 'Register a host'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a rm -d 'Remove hosts'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a ls -d 'List hosts'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a show -d 'Show one host'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a status -d 'All hosts at a glance'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a run -d 'Probe every host at once'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a best -d 'Rank hosts for a kind'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a keygen -d 'Write a new heartbeat identity'
complete -c sheratan-probe -n "not __sheratan_probe_subcommand" -a heartbeat -d 'Send one signed heartbeat'

complete -c sheratan-probe -n '__sheratan_probe_using show rm' -a '(__sheratan_probe_hosts)'
complete -c sheratan-probe -n '__sheratan_probe_using add' -s c -l capability -x -d 'KIND=COST it can run'
complete -c sheratan-probe -n '__sheratan_probe_using add' -l critical -d 'DEGRADED while this host is down'
complete -c sheratan-probe -n '__sheratan_probe_using add' -l path -x -d 'Health path'
complete -c sheratan-probe -n '__sheratan_probe_using add' -l expect-status -x -d 'Healthy statuses'
complete -c sheratan-probe -n '__sheratan_probe_using show' -s n -l limit -x -d 'Results shown'
complete -c sheratan-probe -n '__sheratan_probe_using run' -l once -d 'One round, then exit'
complete -c sheratan-probe -n '__sheratan_probe_using run' -l interval -x -d 'Time between round starts'
complete -c sheratan-probe -n '__sheratan_probe_using run' -l timeout -x -d 'Time a probe may take'
complete -c sheratan-probe -n '__sheratan_probe_using run' -l concurrency -x -d 'Probes in flight at once'
complete -c sheratan-probe -n '__sheratan_probe_using best' -s k -l kind -x -d 'Kind of job'
complete -c sheratan-probe -n '__sheratan_probe_using keygen' -F
complete -c sheratan-probe -n '__sheratan_probe_using keygen' -l force -d 'Replace the file when it exists'
complete -c sheratan-probe -n '__sheratan_probe_using heartbeat' -l identity -r -F -d 'Key file written by keygen'
complete -c sheratan-probe -n '__sheratan_probe_using heartbeat' -l name -x -d 'Host name the heartbeat carries'
complete -c sheratan-probe -n '__sheratan_probe_using heartbeat' -l token-file -r -F -d 'File with the bearer token'
complete -c sheratan-probe -n '__sheratan_probe_using heartbeat' -l status -x -d 'Status to report'
complete -c sheratan-probe -n '__sheratan_probe_using heartbeat' -l timeout -x -d 'Time the request may take'
complete -c sheratan-probe -n '__sheratan_probe_using heartbeat' -l print-only -d 'Print the signed heartbeat, do not send it'
