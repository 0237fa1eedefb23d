// Alerts from the engine to every sink. push() records the alert in the journal (when there
// is one) and queues it for each sink without blocking; the journal slot is marked done once
// every sink has settled it. Thread-safe: the io thread and the watchdog push.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "src/outputs/alert_journal.h"
#include "src/outputs/sink_queue.h"

namespace vigil::outputs {

class AlertDispatcher {
 public:
  // Each sink gets a queue of `capacity` alerts and a thread.
  AlertDispatcher(std::vector<std::unique_ptr<AlertSink>> sinks, size_t capacity = 65536);
  ~AlertDispatcher();  // writes what is queued first
  void push(Alert a);  // never blocks; gives the alert its id
  void flush();        // waits until everything queued so far is written
  void reopen();       // every sink reopens (SIGUSR1, after a log rotation)
  // Alerts dropped by any sink's full queue.
  uint64_t dropped() const;
  struct SinkStats {
    std::string name;
    uint64_t written, failed, dropped;
  };
  std::vector<SinkStats> stats() const;
  // Alerts are recorded in `journal` when queued and marked done once every sink has them.
  void use_journal(AlertJournal journal);
  bool has_journal() const;
  // Queues the journal's alerts that a dead predecessor never wrote; returns how many.
  size_t replay();

 private:
  void enqueue(std::shared_ptr<Pending> p);
  void settled(const std::shared_ptr<Pending>& p);
  void trouble(SinkQueue& q, bool failing, const std::string& why, const Alert& at);
  mutable std::mutex mu_;  // the journal and the ids
  AlertJournal journal_;
  uint64_t journal_gen_ = 0;
  uint64_t next_id_ = 0;
  std::vector<std::unique_ptr<SinkQueue>> queues_;
};

}  // namespace vigil::outputs
