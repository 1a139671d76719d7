/** The one list of console roles; the CHECK in 013_console.sql matches it. */
export const roles = ['maker', 'checker', 'viewer'] as const;
export type Role = (typeof roles)[number];

/** What each role may do. A checker never approves a batch they submitted (approvals.ts). */
export const may = {
  submit: (role: Role) => role === 'maker',
  decide: (role: Role) => role === 'checker',
};
