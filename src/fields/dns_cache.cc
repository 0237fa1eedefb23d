// The resolver cache behind fd.*.name.
#include "src/fields/dns_cache.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace vigil::fields {

DnsCache& DnsCache::instance() {
  // Never destroyed: a refresh thread in the middle of a slow lookup must not hold up the
  // exit of an engine that is handing over (the process's end stops the thread).
  static DnsCache* cache = new DnsCache;
  return *cache;
}

DnsCache::~DnsCache() { stop(); }

void DnsCache::watch(std::set<std::string> names) {
  {
    std::lock_guard<std::mutex> l(mu_);
    names_ = std::move(names);
    dirty_ = true;
  }
  cv_.notify_all();
}

void DnsCache::start(std::chrono::seconds refresh) {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  dirty_ = true;
  thread_ = std::thread([this, refresh] {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait_for(lock, refresh, [this] { return stop_ || dirty_; });
      if (stop_) return;
      dirty_ = false;
      lock.unlock();
      refresh_now();
      lock.lock();
    }
  });
}

void DnsCache::stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DnsCache::refresh_now() {
  std::set<std::string> names;
  {
    std::lock_guard<std::mutex> l(mu_);
    names = names_;
  }
  auto next = std::make_shared<Map>();
  for (const auto& name : names) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (::getaddrinfo(name.c_str(), nullptr, &hints, &res) != 0) continue;
    for (addrinfo* a = res; a; a = a->ai_next) {
      char text[INET6_ADDRSTRLEN] = {};
      if (a->ai_family == AF_INET) {
        ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, text,
                    sizeof(text));
      } else if (a->ai_family == AF_INET6) {
        ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text,
                    sizeof(text));
      }
      if (text[0]) next->emplace(text, name);  // the first name that resolves to it
    }
    ::freeaddrinfo(res);
  }
  std::shared_ptr<const Map> done = next;
  std::atomic_store(&map_, done);
}

std::optional<std::string> DnsCache::name_of(const std::string& ip) const {
  const auto map = std::atomic_load(&map_);
  const auto it = map->find(ip);
  if (it == map->end()) return std::nullopt;
  return it->second;
}

}  // namespace vigil::fields
