// File watches: one per registered container whose rules need file events, new (at its
// createRuntime hook) or taken over from the keeper, and the handler that turns a fanotify
// event into a Decision.
#include "src/common/log.h"
#include "src/engine/engine.h"
#include "src/fields/file_event.h"
#include "src/proc/blocked_call.h"
#include "src/proc/proc_reader.h"

namespace vigil::engine {
namespace {

// A watched container's passwd and group, read once before its mounts are marked,
// through `through` (creating_root: the host's tree, which a daemon in a pod does not see
// itself), else the host path: from now on the io thread must not open its files, they
// would wait on its own group. Kept in the watch's meta, so a successor has them without
// reading anything.
void read_identity_files(fields::ContainerInfo& info, const std::string& through) {
  info.passwd = proc::read_host_file(through, info.rootfs + "/etc/passwd").value_or("");
  info.group = proc::read_host_file(through, info.rootfs + "/etc/group").value_or("");
  info.files_watched = true;
}

}  // namespace

fanotify::FanotifyGroup::Handler Engine::file_handler(Container& c) {
  Container* cp = &c;
  return [this, cp](const fanotify::FanotifyGroup::Input& in) {
    const auto t0 = std::chrono::steady_clock::now();
    auto d = path_.on_file_event(*cp, in);
    metrics_.answered(web::MetricChannel::kFile,
                      d.allows() ? web::EngineMetrics::kAllow
                      : d.outcome == fanotify::FanotifyGroup::Outcome::kKill
                          ? web::EngineMetrics::kKill
                          : web::EngineMetrics::kDeny,
                      std::chrono::steady_clock::now() - t0);
    return d;
  };
}

std::string Engine::watch(Container& c) {
  const ChannelMask channels = rules_->file_channels();
  if (!channels) return {};  // no file rules: no group at all
  // Registered twice (an injected hook and a hooks.d hook): one watch is enough.
  if (c.watch) return {};
  const int pid = c.state.value("pid", 0);
  if (c.info.bundle.empty() || pid <= 0) return "state has no bundle or pid";
  if (c.info.rootfs.empty()) return "cannot read the bundle's config";
  read_identity_files(c.info, creating_root(c.state.value("status", std::string()), pid));
  std::vector<std::string> warnings;
  std::string error;
  auto w = fanotify::ContainerWatch::create(io_, file_handler(c), pid, c.info.rootfs, channels,
                                            warnings, error);
  for (const auto& warning : warnings) log::warn("container " + c.info.id + ": " + warning);
  if (!w) return error;
  const size_t others = w->other_mounts();
  nlohmann::json meta = {
      {"id", c.id}, {"state", c.state}, {"rootfs", c.info.rootfs}, {"start_ns", c.info.start_ns}};
  // Within the keeper channel's message size (keeper::kMaxChannelMessage) with room for the
  // state; larger ones a successor reads again from the host path.
  if (c.info.passwd.size() + c.info.group.size() <= 16384) {
    meta["passwd"] = c.info.passwd;
    meta["group"] = c.info.group;
  }
  serve_watch(c, std::move(w), meta, "");
  log::info("container " + c.info.id + ": watching its root file system (" + c.info.rootfs +
            ") and " + std::to_string(others) + " other mounts");
  return {};
}

void Engine::adopt_watch(KeptItem& item) {
  const auto& meta = item.meta;
  const nlohmann::json state = meta.value("state", nlohmann::json::object());
  Container& c = container(meta.value("id", std::string()), state.value("bundle", std::string()),
                           annotations_of(state));
  c.registered = true;
  c.state = state;
  watch_first_process(c, state.value("pid", 0));
  c.info.rootfs = meta.value("rootfs", std::string());
  if (meta.contains("passwd")) {
    c.info.passwd = meta.value("passwd", std::string());
    c.info.group = meta.value("group", std::string());
    c.info.files_watched = true;
  } else {
    read_identity_files(c.info, "");
  }
  c.info.start_ns = meta.value("start_ns", int64_t(0));
  // What links it made under the previous engine is not known: assume it did.
  c.info.links_made.value = true;
  std::string error;
  UniqueFd group = item.take("group"), journal = item.take("journal"), root = item.take("root");
  auto w = fanotify::ContainerWatch::adopt(io_, file_handler(c), std::move(group),
                                           std::move(journal), std::move(root), error);
  if (!w) {
    log::error("container " + c.info.id + ": cannot take over its file watch: " + error);
    keeper_.forget(item.key);
    return;
  }
  log::info("container " + c.info.id + ": file watch taken over");
  serve_watch(c, std::move(w), meta, item.key);
}

void Engine::serve_watch(Container& c, std::unique_ptr<fanotify::ContainerWatch> w,
                         const nlohmann::json& meta, const std::string& adopted_key) {
  std::string key = adopted_key;
  if (key.empty()) {
    // The keeper holds the group (and its journal) before the first read: if this engine
    // dies, opens wait for a successor instead of being allowed with the marks gone.
    key = keeper_.keep(
        KeptKind::kWatch, meta,
        {{"group", w->group_fd()}, {"journal", w->journal_fd()}, {"root", w->root_fd()}});
  }
  c.watch_key = key;
  auto& group = w->group();
  group.cache().set_scope(
      cfg_.decision_cache == config::DecisionCache::kOff    ? fanotify::CacheScope::kOff
      : cfg_.decision_cache == config::DecisionCache::kFile ? fanotify::CacheScope::kFile
                                                            : fanotify::CacheScope::kDirectory);
  watchdog_->watch(group.in_flight());
  group.on_overflow([this, id = c.info.id] {
    alert_engine(Priority::kCritical, "vigil: fanotify queue overflow",
                 "The kernel dropped file events of container " + id + " (FAN_Q_OVERFLOW)", id);
  });
  if (!adopted_key.empty()) {
    if (size_t n = group.recover_orphans()) {
      log::info("container " + c.info.id + ": answered " + std::to_string(n) +
                " file events its previous engine had read");
    }
  }
  group.start();
  c.watch = std::move(w);
}

void Engine::unwatch(Container& c) {
  if (!c.watch) return;
  keeper_.forget(c.watch_key);
  c.watch_key.clear();
  const auto& g = c.watch->group();
  const auto& cache = g.cache();
  log::info("container " + c.info.id + ": file watch ended after " + std::to_string(g.events()) +
            " events; cached " + std::to_string(cache.files()) + " files and " +
            std::to_string(cache.directories()) + " directories (" +
            std::to_string(cache.settled_directories()) + " more settled into their files); " +
            std::to_string(cache.execs_on_open()) + " programs judged at their opens");
  c.watch->group().stop();
  barrier_.forget(c.id);
  c.watch.reset();
}

nlohmann::json Engine::watches_json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [id, c] : containers_.all()) {
    if (!c->watch) continue;
    const auto& g = c->watch->group();
    out.push_back({{"id", id},
                   {"events", g.events()},
                   {"cached_files", g.cache().files()},
                   {"cached_directories", g.cache().directories()},
                   {"settled_directories", g.cache().settled_directories()},
                   {"cache_held", g.cache().held()},
                   {"execs_on_open", g.cache().execs_on_open()},
                   {"overflows", g.overflows()}});
  }
  return out;
}

}  // namespace vigil::engine
