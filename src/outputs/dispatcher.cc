// Fan-out to the sink queues, and the alert journal's bookkeeping.
#include "src/outputs/dispatcher.h"

#include <unistd.h>

#include "src/common/log.h"

namespace vigil::outputs {

AlertDispatcher::AlertDispatcher(std::vector<std::unique_ptr<AlertSink>> sinks, size_t capacity) {
  for (auto& s : sinks) {
    queues_.push_back(std::make_unique<SinkQueue>(
        std::move(s), capacity, [this](const std::shared_ptr<Pending>& p) { settled(p); },
        [this](SinkQueue& q, bool failing, const std::string& why, const Alert& at) {
          trouble(q, failing, why, at);
        }));
  }
}

// On the failing sink's thread: said once in the log, and as an alert to every other sink
// (the failing one may not be able to take it).
void AlertDispatcher::trouble(SinkQueue& q, bool failing, const std::string& why, const Alert& at) {
  const std::string name(q.name());
  std::string what;
  if (failing) {
    what = "the " + name + " output fails: " + (why.empty() ? "write failed" : why) +
           "; its alerts are lost (counted in vigil status and metrics) until it works again";
    log::error(what);
  } else {
    what = "the " + name + " output works again after " + std::to_string(q.failed()) +
           " failed alerts in all";
    log::info(what);
  }
  auto p = std::make_shared<Pending>();
  p->alert.time_ns = at.time_ns;
  p->alert.rule = failing ? "vigil: output failing" : "vigil: output recovered";
  p->alert.priority = failing ? Priority::kError : Priority::kNotice;
  p->alert.output = what;
  p->alert.action = "alert";
  p->alert.hostname = at.hostname;
  p->alert.id = at.id + "-" + name;
  int others = 0;
  for (auto& other : queues_) others += other.get() != &q;
  p->remaining = others;
  for (auto& other : queues_) {
    if (other.get() != &q) other->push(p);
  }
}

AlertDispatcher::~AlertDispatcher() { queues_.clear(); }

void AlertDispatcher::settled(const std::shared_ptr<Pending>& p) {
  if (p->remaining.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // Every sink has it: no successor writes it again.
  std::lock_guard<std::mutex> lock(mu_);
  if (p->gen == journal_gen_) journal_.done(p->slot);
}

void AlertDispatcher::enqueue(std::shared_ptr<Pending> p) {
  if (queues_.empty()) {
    p->remaining = 1;
    settled(p);
    return;
  }
  p->remaining = int(queues_.size());
  for (auto& q : queues_) q->push(p);
}

void AlertDispatcher::push(Alert a) {
  auto p = std::make_shared<Pending>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (a.id.empty()) a.id = std::to_string(::getpid()) + "-" + std::to_string(++next_id_);
    p->slot = journal_.record(a);
    p->gen = journal_gen_;
  }
  p->alert = std::move(a);
  enqueue(std::move(p));
}

void AlertDispatcher::use_journal(AlertJournal journal) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_ = std::move(journal);
  ++journal_gen_;
}

bool AlertDispatcher::has_journal() const {
  std::lock_guard<std::mutex> lock(mu_);
  return journal_.valid();
}

size_t AlertDispatcher::replay() {
  std::vector<std::shared_ptr<Pending>> found;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [slot, alert] : journal_.pending()) {
      auto p = std::make_shared<Pending>();
      p->alert = std::move(alert);
      p->slot = slot;
      p->gen = journal_gen_;
      found.push_back(std::move(p));
    }
  }
  for (auto& p : found) enqueue(p);
  return found.size();
}

void AlertDispatcher::flush() {
  for (auto& q : queues_) q->flush();
}

void AlertDispatcher::reopen() {
  for (auto& q : queues_) q->reopen();
}

uint64_t AlertDispatcher::dropped() const {
  uint64_t n = 0;
  for (const auto& q : queues_) n += q->dropped();
  return n;
}

std::vector<AlertDispatcher::SinkStats> AlertDispatcher::stats() const {
  std::vector<SinkStats> out;
  for (const auto& q : queues_) {
    out.push_back({std::string(q->name()), q->written(), q->failed(), q->dropped()});
  }
  return out;
}

}  // namespace vigil::outputs
