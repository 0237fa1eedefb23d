// An Event for one fanotify event on a container's mount: the object is the file actually
// opened or executed (the event's own fd), so fd.name cannot be raced; proc.* describe the
// process that opened it (for an exec, the program image being executed is fd.name).
#pragma once

#include <sys/fanotify.h>

#include <optional>
#include <string>

#include "src/fields/process_event.h"

namespace vigil::fields {

class FileEvent final : public ProcessEvent {
 public:
  FileEvent(const fanotify_event_metadata& m, const ContainerInfo& container, uint64_t number);
  EventTypeId type() const override { return type_; }
  Channel channel() const override { return channel_; }

  // The event types file events are indexed under: fanotify cannot tell open from openat.
  static EventTypeId open_type();
  static EventTypeId exec_type();
  static EventTypeId write_type();

  // The file's path as the container sees it.
  const std::optional<std::string>& path();

 private:
  Value extract(const FieldRef& ref) override;
  const Image& image(ImagePart need) override;

  // What the opener asked for, from the system call it is blocked in (see file_event.cc).
  struct OpenIntent {
    bool read = true;
    bool write = true;
  };
  const OpenIntent& open_intent();

  int fd_;
  std::optional<OpenIntent> intent_;
  Channel channel_;
  EventTypeId type_;
  std::optional<std::optional<std::string>> path_;
};

}  // namespace vigil::fields
