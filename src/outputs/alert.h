// The sinks that write alerts (alert_record.h has the alert itself), from a thread of
// their own, through the alert journal when there is one.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "src/outputs/alert_journal.h"
#include "src/outputs/alert_record.h"

namespace vigil::outputs {

struct OutputConfig {
  bool json = true;
  bool stdout_enabled = true;
  bool syslog_enabled = true;
  bool file_enabled = false;
  std::string file_path;
};

// Writes alerts from its own thread, so no output can delay an answer to the kernel
// (syslog/journald may be the very process waiting on vigil). The queue is bounded; an
// overflow drops the alert, counts it, and reports the count with the next alert written.
class AsyncOutputs {
 public:
  explicit AsyncOutputs(OutputConfig cfg, size_t capacity = 65536);
  ~AsyncOutputs();
  void push(Alert a);  // never blocks; gives the alert its id
  void flush();        // waits until everything queued so far is written (tests)
  uint64_t dropped() const;
  // Alerts are recorded in `journal` when queued and marked done once written.
  void use_journal(AlertJournal journal);
  bool has_journal() const;
  // Queues the journal's alerts that a dead predecessor never wrote; returns how many.
  size_t replay();

 private:
  struct Queued {
    Alert alert;
    int slot;      // in the journal, or -1
    uint64_t gen;  // which journal (one adopted later has other slots)
  };
  void run();
  void write(const Alert& a);
  OutputConfig cfg_;
  size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable cv_, idle_;
  std::deque<Queued> queue_;
  AlertJournal journal_;  // guarded by mu_
  uint64_t journal_gen_ = 0;
  uint64_t next_id_ = 0;
  bool stop_ = false;
  bool busy_ = false;
  uint64_t dropped_ = 0, reported_dropped_ = 0;
  std::FILE* file_ = nullptr;
  std::thread thread_;
};

}  // namespace vigil::outputs
