// spdlog's asynchronous logger, overrunning its oldest line rather than ever blocking.
#include "src/common/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace vigil::log {
namespace {

std::shared_ptr<spdlog::logger> sync_logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto s = std::make_shared<spdlog::logger>("vigil-sync",
                                              std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s->set_pattern("vigil: %v");
    return s;
  }();
  return l;
}

std::shared_ptr<spdlog::logger>& logger() {
  static std::shared_ptr<spdlog::logger> l = sync_logger();
  return l;
}

}  // namespace

void init(const std::string& prefix) {
  spdlog::init_thread_pool(8192, 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  auto l = std::make_shared<spdlog::async_logger>(prefix, sink, spdlog::thread_pool(),
                                                  spdlog::async_overflow_policy::overrun_oldest);
  l->set_pattern(prefix + ": %v");
  l->flush_on(spdlog::level::trace);
  logger() = l;
}

void init_sync(const std::string& prefix) {
  auto l =
      std::make_shared<spdlog::logger>(prefix, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  l->set_pattern(prefix + ": %v");
  logger() = l;
}

void info(const std::string& line) { logger()->info(line); }
void warn(const std::string& line) { logger()->warn(line); }
void error(const std::string& line) { logger()->error(line); }

void shutdown() {
  auto async = logger();
  logger() = sync_logger();
  async->flush();
  async.reset();
  spdlog::shutdown();  // joins the logging thread once its queue is written
}

}  // namespace vigil::log
