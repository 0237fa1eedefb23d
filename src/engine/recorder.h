// The event recording (`record:` in vigil.yaml): every event the engine evaluated, with the
// values of the fields the rules in force read, the container, the time and what the
// engine decided, one JSON object per line, for `vigil rules replay` to evaluate against
// another rule set. The values are taken (CapturedEvent) before the answer, while the
// caller still waits and its memory and /proc are what the rules saw; the JSON is made
// and written by a thread of the recorder's own. The file is capped: past half of
// max_size it becomes <path>.1 (replacing the older one) and a new one starts.
//
// A line: {"time":NS,"container":"ID","type":"openat","channel":"fanotify-open",
//          "decided":"block","applied":"alert","rules":["..."],"fields":{"fd.name":"/x",...}}
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "src/fields/captured_event.h"

namespace vigil::engine {

// What goes with one recorded event.
struct RecordedVerdict {
  std::string decided;  // what the rules add up to: none, alert, block, kill
  std::string applied;  // what the answer did (monitor mode: alert)
  std::vector<std::string> rules;
};

// The name a field reference is written under: evt.arg.flags, proc.aname[2], evt.arg[0].
std::string field_ref_name(const FieldRef& ref);
// The JSON line of one event (without the newline).
std::string encode_record(fields::CapturedEvent& e, const std::vector<FieldRef>& refs,
                          const std::string& container, int64_t time_ns, const RecordedVerdict& v);

class Recorder {
 public:
  Recorder(std::string path, int64_t max_size);
  ~Recorder();
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Queues one event (never blocks: a full queue drops it, counted).
  void record(fields::CapturedEvent e, std::shared_ptr<const std::vector<FieldRef>> refs,
              std::string container, int64_t time_ns, RecordedVerdict v);
  uint64_t written() const;
  uint64_t dropped() const;
  const std::string& path() const { return path_; }

 private:
  struct Item {
    fields::CapturedEvent event;
    std::shared_ptr<const std::vector<FieldRef>> refs;
    std::string container;
    int64_t time_ns;
    RecordedVerdict verdict;
  };
  void run();
  void write_line(const std::string& line);

  static constexpr size_t kCapacity = 16384;
  std::string path_;
  int64_t max_size_;
  std::ofstream out_;
  int64_t size_ = 0;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  bool stop_ = false;
  uint64_t written_ = 0, dropped_ = 0;
  std::thread thread_;
};

}  // namespace vigil::engine
