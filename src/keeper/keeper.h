// The keeper: the process `vigil daemon` runs as. It is kept small enough not to fail:
// it binds the daemon's two sockets, starts the engine (`vigil daemon --engine`, the
// process that evaluates), holds a duplicate of every container's seccomp listener fd,
// fanotify group fd and journal that the engine hands it, never reads them, and starts a
// successor engine with all of them when the engine dies or is upgraded. Holding them is
// what keeps a container's intercepted syscalls waiting (not ENOSYS) and its watched opens
// waiting (not allowed) while no engine runs; the journals let the successor answer what
// its predecessor had received but not answered. docs/keeper.md has the protocol and the
// cases this cannot cover.
//
// Signals: SIGTERM/SIGINT stop (engine first), SIGHUP is passed to the engine (reload),
// SIGUSR2 upgrades: the engine is stopped and the binary now at the keeper's path starts.
#pragma once

#include <string>

#include "src/config/config.h"

namespace vigil::keeper {

// The engine's end of the keeper channel and the two listening sockets, as the keeper
// passes them (fds 3, 4 and 5 of `vigil daemon --engine`).
struct EngineLink {
  int channel = -1;
  int listener = -1;
  int control = -1;
  int web = -1;  // the webserver's listening socket, when enabled
  bool attached() const { return channel >= 0; }
};
inline constexpr int kEngineChannelFd = 3;
inline constexpr int kEngineListenerFd = 4;
inline constexpr int kEngineControlFd = 5;
inline constexpr int kEngineWebFd = 6;  // present only with the webserver enabled

// What the keeper does once it has handed everything over to a successor.
enum class AfterHandover {
  kExit,  // exit 0: a service manager that restarts only failures (systemd, a shell)
  // wait for SIGTERM, holding nothing, answering its own health endpoint with 200 (when
  // the successor has another network namespace): a Kubernetes pod, whose exit would be
  // restarted (restartPolicy: Always) and take everything back from the newer pod.
  kWait,
};

// Runs the keeper until SIGTERM/SIGINT. `exe` is the vigil binary to start engines from.
int run_keeper(const std::string& exe, const std::string& config_path, const config::Config& cfg,
               AfterHandover after = AfterHandover::kExit);

}  // namespace vigil::keeper
