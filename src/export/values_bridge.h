/* The bridge from the values decoder (src/plan/values.h) to the export
 * model: an ospy_xvalues_decode_fn that decodes a call's values blob with
 * the function spec named by the plan hook and builds the ospy_xvalue tree.
 *
 *   ospy_values_bridge *vb = ospy_values_bridge_new(plan, err, errcap);
 *   ospy_from_capture_set_decoder(conv, ospy_values_bridge_decode,
 *                                 ospy_values_bridge_shape, vb);
 */
#ifndef OSPY_EXPORT_VALUES_BRIDGE_H
#define OSPY_EXPORT_VALUES_BRIDGE_H

#include "export/from_capture.h"
#include "plan/plan.h"

typedef struct ospy_values_bridge ospy_values_bridge;

/* Decodes the plan's spec table. NULL with err set when the plan has none
 * or it is invalid (export then falls back to undecoded blobs). */
ospy_values_bridge *ospy_values_bridge_new(const ospy_plan *plan, char *err, size_t errcap);
void ospy_values_bridge_free(ospy_values_bridge *vb);
/* An ospy_xvalues_decode_fn; data is the bridge. */
int ospy_values_bridge_decode(void *data, const ospy_plan *plan, uint32_t hook, int leave,
                              const uint8_t *blob, size_t len, ospy_xbuilder *b,
                              char *err, size_t errcap);

/* An ospy_xoutcome_fn; data is the bridge. */
int ospy_values_bridge_outcome(void *data, const ospy_plan *plan, const ospy_event_call *c);

/* An ospy_xshape_fn; data is the bridge. */
int ospy_values_bridge_shape(void *data, const ospy_plan *plan, uint32_t hook,
                             ospy_xshape *out);

#endif
