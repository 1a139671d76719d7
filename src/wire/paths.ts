/**
 * The merchant API's routes. Apart from contract.ts so that the SDK can use them without
 * loading TypeBox at run time (importing it costs ≈ 1 s of start-up, felt by every CLI command).
 */
export const paths = {
  init: '/v1/mass/payout/init',
  auth: '/v1/mass/payout/auth',
  cancel: '/v1/mass/payout/cancel/:requestId',
  retrieve: '/v1/mass/payout/retrieve',
  item: '/v1/mass/payout/retrieve/items/:referenceCode',
  balance: '/v1/mass/payout/balance',
} as const;
