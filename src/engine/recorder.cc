#include "src/engine/recorder.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "src/fields/event_types.h"
#include "src/fields/registry.h"

namespace vigil::engine {

std::string field_ref_name(const FieldRef& ref) {
  std::string name(fields::field_info(ref.id).name);
  if (!ref.key.empty()) name += "." + std::string(ref.key);
  if (ref.index >= 0) name += "[" + std::to_string(ref.index) + "]";
  return name;
}

std::string encode_record(fields::CapturedEvent& e, const std::vector<FieldRef>& refs,
                          const std::string& container, int64_t time_ns, const RecordedVerdict& v) {
  nlohmann::json values = nlohmann::json::object();
  for (const auto& ref : refs) {
    const Value x = e.field(ref);
    const std::string name = field_ref_name(ref);
    switch (x.kind) {
      case ValueKind::kString:
        values[name] = std::string(x.str);
        break;
      case ValueKind::kInt:
        values[name] = x.num;
        break;
      case ValueKind::kBool:
        values[name] = x.num != 0;
        break;
      case ValueKind::kStringList: {
        nlohmann::json items = nlohmann::json::array();
        for (size_t i = 0; i < x.count; ++i) items.push_back(std::string(x.items[i]));
        values[name] = items;
        break;
      }
      case ValueKind::kNone:
      case ValueKind::kUnknown:
        break;  // missing: absent, as <NA>
    }
  }
  nlohmann::json j = {{"time", time_ns},
                      {"container", container},
                      {"type", std::string(fields::event_type(e.type()).name)},
                      {"channel", std::string(channel_name(e.channel()))},
                      {"decided", v.decided},
                      {"applied", v.applied},
                      {"rules", v.rules},
                      {"fields", values}};
  // Caller memory need not be UTF-8: replace rather than fail the line.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Recorder::Recorder(std::string path, int64_t max_size)
    : path_(std::move(path)), max_size_(max_size) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  out_.open(path_, std::ios::app);
  size_ = int64_t(std::filesystem::file_size(path_, ec));
  if (ec) size_ = 0;
  thread_ = std::thread([this] { run(); });
}

Recorder::~Recorder() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void Recorder::record(fields::CapturedEvent e, std::shared_ptr<const std::vector<FieldRef>> refs,
                      std::string container, int64_t time_ns, RecordedVerdict v) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (queue_.size() >= kCapacity) {
      ++dropped_;
      return;
    }
    queue_.push_back(
        Item{std::move(e), std::move(refs), std::move(container), time_ns, std::move(v)});
  }
  cv_.notify_one();
}

uint64_t Recorder::written() const {
  std::lock_guard<std::mutex> l(mu_);
  return written_;
}

uint64_t Recorder::dropped() const {
  std::lock_guard<std::mutex> l(mu_);
  return dropped_;
}

void Recorder::run() {
  for (;;) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, everything written
    Item item = std::move(queue_.front());
    queue_.pop_front();
    l.unlock();
    write_line(encode_record(item.event, *item.refs, item.container, item.time_ns, item.verdict));
    l.lock();
    ++written_;
  }
}

void Recorder::write_line(const std::string& line) {
  if (size_ + int64_t(line.size()) + 1 > max_size_ / 2 && size_ > 0) {
    out_.close();
    std::error_code ec;
    std::filesystem::rename(path_, path_ + ".1", ec);
    out_.open(path_, std::ios::trunc);
    size_ = 0;
  }
  out_ << line << '\n';
  out_.flush();
  size_ += int64_t(line.size()) + 1;
}

}  // namespace vigil::engine
