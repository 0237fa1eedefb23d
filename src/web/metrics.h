// The engine's Prometheus metrics, served at /metrics by the webserver.
//
// Counters that change per event (answers and their latency) are plain integers written
// and read on the engine's one io thread, so an event pays two clock reads and a few
// increments, no atomics and no locks. Everything else is read from the engine's own state
// when scraped (a Snapshot). prometheus-cpp's data model and TextSerializer write the text.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "vigil/alert.h"

namespace vigil::web {

enum class MetricChannel { kSeccomp = 0, kFile = 1 };

class EngineMetrics {
 public:
  // The buckets of the answer latency histogram, in seconds.
  static constexpr std::array<double, 14> kBounds = {
      1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 1e-2, 1e-1, 1.0};
  enum Answer { kAllow = 0, kDeny = 1, kKill = 2 };

  // One event answered on `ch` (io thread only).
  void answered(MetricChannel ch, Answer a, std::chrono::nanoseconds took);
  // One alert queued (any thread: the watchdog alerts too).
  void alert(const Alert& a);
  void reloaded(bool ok) { ++reloads_[ok ? 0 : 1]; }

  struct Output {
    std::string name;
    uint64_t written, failed, dropped;
  };
  // What is read from the engine's state when scraped.
  struct Snapshot {
    uint64_t rules_in_force = 0;
    bool last_reload_ok = true;
    uint64_t containers = 0, seccomp_sessions = 0, file_watches = 0;
    uint64_t cached_files = 0, cached_dirs = 0;
    uint64_t engine_restarts = 0;
    int keeper_alive = -1;  // -1: no keeper (--no-keeper)
    uint64_t open_intents_unknown = 0;
    uint64_t watchdog_fallbacks = 0;
    uint64_t record_written = 0, record_dropped = 0;
    bool enforcing = true;
    std::vector<Output> outputs;
  };
  // The Prometheus text exposition of everything (version 0.0.4).
  std::string render(const Snapshot& s) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBounds.size()> buckets{};  // not cumulative; +Inf is `count`
    uint64_t count = 0;
    double sum = 0;
  };
  std::array<Histogram, 2> latency_;
  std::array<std::array<uint64_t, 3>, 2> answers_{};
  std::array<uint64_t, 2> reloads_{};
  mutable std::mutex alerts_mu_;
  std::map<std::tuple<std::string, Priority, std::string>, uint64_t> alerts_;
};

}  // namespace vigil::web
