// Killing the process behind an event, once, for `action: kill`: seccomp notifications and
// fanotify events name a thread, a pidfd names a process, and a recycled pid must never be
// hit. Both channels call this one function; each says how it knows the pid is still theirs.
#pragma once

#include <sys/types.h>

#include <functional>

namespace vigil::proc {

// SIGKILLs the process (thread group) that thread `tid` belongs to, through a pidfd opened
// first and checked with `still_the_target` after (seccomp: SECCOMP_IOCTL_NOTIF_ID_VALID;
// fanotify: the event pins the opener's pid until it is answered). False if the process
// is already gone or the check failed.
bool kill_process_of(pid_t tid, const std::function<bool()>& still_the_target);

}  // namespace vigil::proc
