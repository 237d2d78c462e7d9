# fish completion for sheratan-queue(1)
# Job ids come from the tool itself: sheratan-queue ls --json --limit 200.

# The subcommand on the command line, if any (skipping global options and their values).
function __sheratan_queue_subcommand
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

function __sheratan_queue_needs_subcommand
    not __sheratan_queue_subcommand >/dev/null
end

# True when the subcommand is one of the arguments.
function __sheratan_queue_using
    set -l sub (__sheratan_queue_subcommand)
    or return 1
    contains -- $sub $argv
end

# Ids of up to 200 jobs, oldest first, from the store named by --db or the usual one.
function __sheratan_queue_ids
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
    set -l args ls --json --limit 200
    if test -n "$db"
        set args --db $db $args
    end
    $cmd $args 2>/dev/null | string replace -r -f '^.*?"id":"([^"]*)".*$' '$1'
end

complete -c sheratan-queue -f

# Global options.
complete -c sheratan-queue -l db -r -F -d 'Store path'
complete -c sheratan-queue -l json -d 'Print JSON lines'
complete -c sheratan-queue -l format -x -a 'table json tsv' -d 'Output format'
complete -c sheratan-queue -s q -l quiet -d 'Print no informational messages on stderr'
complete -c sheratan-queue -s v -l verbose -d 'Print more on stderr'
complete -c sheratan-queue -s h -l help -d 'Print help and exit'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -l version -d 'Print the version and exit'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -l help-all -d 'Print help for every subcommand'

# Subcommands.
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a push -d 'Add jobs: from flags or JSON lines'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a claim -d 'Lease ready jobs'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a ack -d 'Complete leased jobs'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a fail -d 'Fail leased jobs'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a extend -d 'Extend leases'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a release -d 'Give leased jobs back'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a ls -d 'List jobs, oldest first'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a show -d 'Show one job and its events'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a stats -d 'Counts by status and queue'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a watch -d 'Stream job events'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a cancel -d 'Cancel jobs that have not ended'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a retry -d 'Put dead or canceled jobs back'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a reap -d 'Return jobs whose lease expired'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a purge -d 'Delete ended jobs'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a ingest -d 'Turn drop files into jobs'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a gate -d 'Dry run of the admission gates'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a review -d 'List quarantined jobs, or let a reviewer decide'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a approve -d 'Admit quarantined jobs'
complete -c sheratan-queue -n __sheratan_queue_needs_subcommand -a reject -d 'Refuse quarantined jobs'

# push
complete -c sheratan-queue -n '__sheratan_queue_using push' -s p -l params -x -d 'Parameters as a JSON object'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l queue -x -d 'Queue name'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l priority -x -a 'critical high normal low' -d 'Integer, higher first, or a name'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l run-at -x -d 'Run no earlier than this RFC 3339 time'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l delay -x -d 'Run no earlier than this duration from now'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l depends-on -x -a '(__sheratan_queue_ids)' -d 'Job id that must be done first'
complete -c sheratan-queue -n '__sheratan_queue_using push' -s k -l idempotency-key -x -d 'Key that makes a repeated push return the same job'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l max-attempts -x -d 'Attempts before the job is dead'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l timeout -x -d 'Time a worker may run the job'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l backoff -x -d 'First retry delay, doubled each attempt'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l backoff-max -x -d 'Cap on the retry delay'
complete -c sheratan-queue -n '__sheratan_queue_using push' -s l -l label -x -d 'Label KEY=VALUE'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l cost -x -d 'What the job costs its payer'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l max-depth -x -d 'Refuse past this many unfinished jobs in a queue'
complete -c sheratan-queue -n '__sheratan_queue_using push' -l atomic -d 'Push all of stdin in one transaction'

# claim
complete -c sheratan-queue -n '__sheratan_queue_using claim' -s w -l worker -x -d 'Name of the worker holding the lease'
complete -c sheratan-queue -n '__sheratan_queue_using claim' -l queue -x -d 'Queue to claim from'
complete -c sheratan-queue -n '__sheratan_queue_using claim' -l kinds -x -d 'Only these kinds (comma-separated)'
complete -c sheratan-queue -n '__sheratan_queue_using claim' -s n -l limit -x -d 'Lease up to N jobs'
complete -c sheratan-queue -n '__sheratan_queue_using claim' -l lease -x -d 'Lease length'
complete -c sheratan-queue -n '__sheratan_queue_using claim' -l wait -d 'Block until a job is ready, at most DUR'
complete -c sheratan-queue -n '__sheratan_queue_using claim' -l ignore-state -d 'Claim even while the system is PAUSED'

# ack, fail, extend, release: a job id and its lease token
complete -c sheratan-queue -n '__sheratan_queue_using ack fail extend release' -a '(__sheratan_queue_ids)' -d 'Job id'
complete -c sheratan-queue -n '__sheratan_queue_using ack fail extend release' -s t -l token -x -d 'The lease token that claim printed'
complete -c sheratan-queue -n '__sheratan_queue_using ack' -s r -l result -x -d 'Result as JSON'
complete -c sheratan-queue -n '__sheratan_queue_using fail' -s e -l error -x -d 'What went wrong'
complete -c sheratan-queue -n '__sheratan_queue_using fail' -l no-retry -d 'End the job now (dead) instead of retrying'
complete -c sheratan-queue -n '__sheratan_queue_using extend' -l lease -x -d 'New lease length from now'

# ls
complete -c sheratan-queue -n '__sheratan_queue_using ls' -s s -l status -x -a 'pending ready leased done dead canceled blocked quarantined' -d 'Only jobs in this status'
complete -c sheratan-queue -n '__sheratan_queue_using ls' -l queue -x -d 'Only jobs of this queue'
complete -c sheratan-queue -n '__sheratan_queue_using ls' -l kind -x -d 'Only jobs of this kind'
complete -c sheratan-queue -n '__sheratan_queue_using ls' -s l -l label -x -d 'Only jobs with label KEY=VALUE'
complete -c sheratan-queue -n '__sheratan_queue_using ls' -l chain -x -d 'Only jobs of this chain'
complete -c sheratan-queue -n '__sheratan_queue_using ls' -s n -l limit -x -d 'At most N jobs'

# show, cancel, retry
complete -c sheratan-queue -n '__sheratan_queue_using show cancel retry' -a '(__sheratan_queue_ids)' -d 'Job id'
complete -c sheratan-queue -n '__sheratan_queue_using cancel' -l reason -x -d "Why, recorded in the job's events"

# watch
complete -c sheratan-queue -n '__sheratan_queue_using watch' -l job -x -a '(__sheratan_queue_ids)' -d 'Only events of this job'
complete -c sheratan-queue -n '__sheratan_queue_using watch' -l after -x -d 'Start after this event id'
complete -c sheratan-queue -n '__sheratan_queue_using watch' -l all -d 'Start from the first event in the store'
complete -c sheratan-queue -n '__sheratan_queue_using watch' -l no-follow -d 'Print the events there are now and exit'

# purge
complete -c sheratan-queue -n '__sheratan_queue_using purge' -l older-than -x -d 'Age, such as 7d'

# ingest
complete -c sheratan-queue -n '__sheratan_queue_using ingest' -x -a '(__fish_complete_directories)'
complete -c sheratan-queue -n '__sheratan_queue_using ingest' -l watch -d 'Go on, taking new files as they are written'
complete -c sheratan-queue -n '__sheratan_queue_using ingest' -l max-depth -x -d 'Backpressure limit, as for push'

# gate, review, approve, reject
complete -c sheratan-queue -n '__sheratan_queue_using gate' -s p -l params -x -d 'Parameters as a JSON object'
complete -c sheratan-queue -n '__sheratan_queue_using gate' -l source -x -a 'cli ingest api followup' -d 'Judge as from this entry point'
complete -c sheratan-queue -n '__sheratan_queue_using review' -l reviewer -x -a '(__fish_complete_command)' -d 'Command that decides each job'
complete -c sheratan-queue -n '__sheratan_queue_using review approve reject' -l actor -x -d 'Who decides'
complete -c sheratan-queue -n '__sheratan_queue_using review' -s n -l limit -x -d 'At most N jobs'
complete -c sheratan-queue -n '__sheratan_queue_using approve reject' -l reason -x -d 'Why, recorded with the decision'
complete -c sheratan-queue -n '__sheratan_queue_using approve reject' -a '(__sheratan_queue_ids)' -d 'Job id'
