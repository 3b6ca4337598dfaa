// SIGINT and SIGTERM as a request to stop: the first one is recorded for the
// command to act on (cancel a job, take a savepoint, leave the cluster). More
// SIGTERMs are the same request (`timeout` and service managers may send
// several); only a second Ctrl-C ends the process at once, with kExitForced.
#pragma once

namespace eddy {

/// Installs the handlers; also ignores SIGPIPE (a closed pipe becomes a write error).
void install_stop_signals();
/// The first stop signal received (SIGINT or SIGTERM), or 0.
int stop_signal();

/// ~actor_system waits for every actor, and one blocked in I/O must not keep
/// the process alive once its outcome is known: exits with `code` after
/// `grace_s` seconds unless the process ended before.
void exit_if_stuck(int code, int grace_s);

}  // namespace eddy
