// The keeper process's state and steps, shared by keeper.cc (its loop and messages),
// keeper_engine.cc (the engine's start, death and restart) and keeper_stop.cc (stopping,
// handing over, letting go). Private to src/keeper: the rest of vigil sees keeper.h.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "src/common/unique_fd.h"
#include "src/config/config.h"
#include "src/keeper/keeper.h"
#include "src/keeper/keeper_channel.h"
#include "src/keeper/keeper_handover.h"

namespace vigil::keeper {

using Clock = std::chrono::steady_clock;

class Keeper {
 public:
  Keeper(std::string exe, std::string config_path, const config::Config& cfg, AfterHandover after)
      : exe_(std::move(exe)), config_path_(std::move(config_path)), cfg_(cfg), after_(after) {}
  // Binds or takes over the sockets, starts the engine, and loops until it is done.
  int run();

 private:
  // The webserver's socket as the config wants it: a kept one on another address is
  // replaced, one no longer wanted closed. A port it cannot bind is said and left out.
  void settle_web();
  // One turn of the loop; an exit status when the keeper is done.
  std::optional<int> step();
  int timeout_ms() const;
  // Starts an engine and hands it everything kept. False if it cannot even be started.
  bool spawn();
  // Reads one message from the engine, if one is there.
  Received on_message();
  // The engine stops (answering nothing half-way: it decides each event in one go) and the
  // binary now at exe_ starts with everything kept.
  void upgrade();
  // A successor connected: stop the engine, then hand everything over (after its exit).
  // True when it has everything already (no engine was running).
  bool on_successor();
  // The engine is stopped: give everything to the successor. True when it has it all.
  bool finish_hand_over();
  // Everything is the successor's now. kExit: done. kWait: hold nothing, answer the health
  // endpoint (only if the successor's probes reach another socket than ours: another
  // network namespace) with 200, and exit on SIGTERM or SIGINT.
  int after_hand_over();
  std::optional<int> on_signal(int sig);
  // SIGTERM, SIGINT: with containers held, wait for a successor first (a restart), then
  // let go; with none, stop now.
  std::optional<int> on_stop();
  // Under systemd a restart starts the successor only after this process exits: the fds
  // wait in systemd's store instead (engine stopped first, as for a hand-over).
  bool store_in_systemd();
  // No successor came: the engine alerts, writes its alerts and exits; then the keeper.
  int let_go();
  // True once the engine has exited.
  bool wait_for_engine(std::chrono::seconds limit);
  // Reaps children; the engine's exit status, if it was the engine.
  std::optional<int> reap();
  std::optional<int> on_child();
  ListeningFds sockets() const { return {listener_.get(), control_.get(), web_ ? web_.get() : -1}; }
  std::string unavailable_reason() const;
  size_t kept_sessions() const;

  std::string exe_, config_path_;
  const config::Config& cfg_;
  AfterHandover after_;
  pid_t successor_pid_ = 0;
  UniqueFd listener_, control_, web_, handover_, signals_, channel_, successor_;
  sigset_t old_mask_{};
  pid_t engine_ = -1;
  bool engine_started_ = false;  // the current engine said "started"
  bool ever_started_ = false;
  bool stopping_ = false;
  bool upgrading_ = false;
  int failures_ = 0;  // quick deaths in a row
  int64_t history_restarts_ = 0;
  nlohmann::json history_ = nlohmann::json::object();
  std::optional<Clock::time_point> respawn_at_, stop_deadline_;
  Clock::time_point started_;
  KeptItems kept_;
};

}  // namespace vigil::keeper
