// The event interface the rule program evaluates: one intercepted syscall or file access.
// Sources (seccomp, fanotify) implement it with lazy, cached extraction; tests use fakes.
#pragma once

#include <cstdint>

#include "vigil/field.h"
#include "vigil/value.h"

namespace vigil {

using EventTypeId = uint16_t;

class Event {
 public:
  virtual ~Event() = default;
  virtual EventTypeId type() const = 0;
  virtual Channel channel() const = 0;
  // Never throws. A value the source cannot read (dead process, unmapped memory) is none().
  virtual Value field(const FieldRef& ref) = 0;
  // A field of the file, as it holds for every file of the event's directory: what the
  // decision cache's directory analysis may rely on. Unknown unless the source knows.
  virtual Value directory_field(const FieldRef&) { return Value::unknown(); }
};

}  // namespace vigil
