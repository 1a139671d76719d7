import type { Static } from 'typebox';
import type {
  BalanceResponse,
  EnvelopeResponse,
  InitItemInput,
  InitRequest,
  InitResponse,
  ItemResponse,
  MassPayout,
  PayoutItem,
  RetrieveRequest,
  RetrieveResponse,
} from '../wire/contract.ts';

/**
 * The SDK's types, every one derived from the schemas the server validates and serialises with
 * (src/wire/contract.ts): a change to the wire changes these, and the compiler finds every use.
 */
export type { BalanceResponse, InitItemInput, InitResponse, ItemResponse, MassPayout, PayoutItem, RetrieveResponse };

/** What `init` takes: the request body without `locale` (the client sends it as `?locale=`). */
export type InitInput = Omit<InitRequest, 'locale'>;
export type RetrieveInput = RetrieveRequest;
/** The bare success envelope that auth and cancel answer with. */
export type EnvelopeOnly = Static<typeof EnvelopeResponse>;
export type Locale = 'tr' | 'en';
