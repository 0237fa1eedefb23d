// The permission watchdog: a thread that answers any fanotify permission event a group has
// held longer than a deadline, with a fallback (allow by default), so that a stuck
// evaluation can never freeze a container. It writes through its own duplicate of each
// group fd (O_CLOEXEC: no other process can inherit it).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "src/common/unique_fd.h"

namespace vigil::fanotify {

// The event a group is deciding right now. The group and the watchdog race to answer it;
// `claim()` makes sure exactly one of them does, and the mutex keeps the group from
// closing the event fd (whose number a new event could reuse) while the watchdog writes.
struct InFlight {
  UniqueFd group_fd;              // a duplicate of the group's fd, for the watchdog
  std::atomic<int> event_fd{-1};  // -1: nothing in flight
  std::atomic<int64_t> since_ns{0};
  std::mutex mu;
  bool answered = false;  // guarded by mu
  // True for the first caller only.
  bool claim() {
    std::lock_guard<std::mutex> lock(mu);
    if (answered) return false;
    answered = true;
    return true;
  }
};

class PermissionWatchdog {
 public:
  // `on_fallback` runs on the watchdog thread after it answered an event (for an alert).
  PermissionWatchdog(std::chrono::milliseconds deadline, bool allow,
                     std::function<void(int64_t held_ms)> on_fallback);
  ~PermissionWatchdog();
  void watch(std::weak_ptr<InFlight> slot);
  uint64_t fallbacks() const { return fallbacks_; }
  static int64_t now_ns();

 private:
  void run();
  const std::chrono::milliseconds deadline_;
  const bool allow_;
  std::function<void(int64_t)> on_fallback_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::weak_ptr<InFlight>> slots_;
  bool stop_ = false;
  std::atomic<uint64_t> fallbacks_{0};
  std::thread thread_;
};

}  // namespace vigil::fanotify
