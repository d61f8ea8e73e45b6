/**
 * How a catalog declares a discharge standard of its own (e.g. a provincial "quasi-class IV" limit set,
 * standards.md §6 decision 8): a built-in GB 18918-2002 class as the base, with some items replaced.
 * Limits are in each parameter's canonical unit (mg/L for concentrations).
 */
import { z } from 'zod';

export const BUILTIN_DISCHARGE_STANDARDS = ['gb18918-1a', 'gb18918-1b', 'gb18918-2', 'gb18918-3'] as const;
export type BuiltinDischargeStandard = (typeof BUILTIN_DISCHARGE_STANDARDS)[number];

const limitSchema = z.union([
  z.number().positive(),
  z
    .object({
      /** Upper limit (daily mean). */
      max: z.number().positive().optional(),
      /** Upper limit when the water temperature is ≤ 12 °C (the GB 18918 NH3-N bracket rule). */
      max_cold: z.number().positive().optional(),
      /** Lower bound (pH range). */
      min: z.number().optional(),
    })
    .strict()
    .refine((l) => l.max !== undefined || l.min !== undefined, { message: 'a limit needs max or min' }),
]);

export const customDischargeStandardSchema = z
  .object({
    name: z.object({ zh: z.string().min(1), en: z.string().min(1) }).strict(),
    /** Items not listed in `limits` take the base standard's limits. */
    base: z.enum(BUILTIN_DISCHARGE_STANDARDS).optional(),
    /** Parameter code (canonical or HJ 212) → limit. */
    limits: z.record(z.string(), limitSchema),
  })
  .strict();

export type CustomDischargeStandard = z.infer<typeof customDischargeStandardSchema>;
export type CustomLimit = z.infer<typeof limitSchema>;
