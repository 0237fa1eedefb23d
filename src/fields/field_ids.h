// Every field vigil supplies, by id: one per row of the field table (field_table.inc), in
// its order. Each event's extractor switches on these ids.
#pragma once

#include "vigil/field.h"

namespace vigil::fields {

enum class F : FieldId {
#define VIGIL_FIELD(id, ...) id,
#include "src/fields/field_table.inc"
#undef VIGIL_FIELD
  kCount,
};

inline constexpr F field_of(FieldId id) { return F(id); }

}  // namespace vigil::fields
