// fd.sip.name, fd.cip.name, fd.rip.name, fd.lip.name, as Falco keeps them: the host names
// the rules compare these fields with are resolved in the background (every `refresh`),
// and an address is named by the rule's name that resolved to it. An address no rule's
// name resolves to has no name (<NA>): vigil does no reverse lookups on the answer path.
// Reads are lock-free (an immutable map swapped in); only the refresh thread resolves.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

namespace vigil::fields {

class DnsCache {
 public:
  static DnsCache& instance();
  ~DnsCache();
  // The names to keep resolved (the rules' set replaces the previous one); resolved at
  // once on the refresh thread when one runs.
  void watch(std::set<std::string> names);
  // Runs the refresh thread (the daemon); resolving waits on the system resolver, never
  // on an event.
  void start(std::chrono::seconds refresh);
  void stop();
  // Resolves every watched name now, on this thread.
  void refresh_now();
  // The watched name `ip` resolved from, if any ("10.0.0.1", "::1").
  std::optional<std::string> name_of(const std::string& ip) const;

 private:
  using Map = std::map<std::string, std::string>;  // address -> name
  std::shared_ptr<const Map> map_ = std::make_shared<Map>();
  mutable std::mutex mu_;  // names_, the thread's state; map_ is swapped under it
  std::set<std::string> names_;
  std::condition_variable cv_;
  bool stop_ = false, dirty_ = false;
  std::thread thread_;
};

}  // namespace vigil::fields
