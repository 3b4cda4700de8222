/**
 * Whether NODE_ENV names production: `production` or `prod`, whatever the case and the
 * surrounding blanks (`Production`, ` prod `). Everything that behaves differently in
 * production asks this one function, so no spelling slips past one check but not another.
 */
export function isProduction(nodeEnv: string | undefined): boolean {
  if (nodeEnv === undefined) return false;
  const value = nodeEnv.trim().toLowerCase();
  return value === 'production' || value === 'prod';
}
