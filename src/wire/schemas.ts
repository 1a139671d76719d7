import { Type, type TSchema, type TProperties } from 'typebox';
import { limits } from '../limits.ts';

/**
 * Shared schema pieces. The route schemas built from them validate requests, serialise responses,
 * generate the OpenAPI document and type the SDK: one source, so none of them can drift.
 */
export const Locale = Type.String({ pattern: '^(?i:tr|en)$', description: 'tr or en, any case' });

/** Every JSON request body may carry `locale` and `conversationId`; nothing else unknown. */
export function RequestBody<P extends TProperties>(properties: P) {
  return Type.Object(
    { locale: Type.Optional(Type.String({ maxLength: limits.localeCharsMax })), conversationId: Type.Optional(Type.String({ maxLength: limits.conversationIdCharsMax })), ...properties },
    { additionalProperties: false },
  );
}

export const LocaleQuery = Type.Object({ locale: Type.Optional(Type.String({ maxLength: limits.localeCharsMax })) }, { additionalProperties: false });

const envelopeFields = {
  status: Type.Literal('success'),
  locale: Type.String(),
  systemTime: Type.Integer(),
  conversationId: Type.Optional(Type.String()),
};

/** A success response: the envelope plus the endpoint's own fields. */
export function SuccessResponse<P extends TProperties>(properties: P) {
  return Type.Object({ ...envelopeFields, ...properties });
}

export const FailureResponse = Type.Object({
  status: Type.Literal('failure'),
  errorCode: Type.String({ pattern: '^[0-9]+$' }),
  errorMessage: Type.String(),
  errorGroup: Type.String(),
  locale: Type.String(),
  systemTime: Type.Integer(),
  conversationId: Type.Optional(Type.String()),
});

/** Response map for a route: its success schema and the failure envelope for every error status. */
export function responses<S extends TSchema>(ok: S, okStatus = 200) {
  return { [okStatus]: ok, '4xx': FailureResponse, '5xx': FailureResponse } as const;
}

/** A decimal amount as the JSON edge shows it (a number with at most two fraction digits). */
export const Amount = Type.Number({ description: 'decimal amount, at most 2 fraction digits' });
/** A decimal amount as admin input: a string like "100000.00" (or a number). */
export const DecimalInput = Type.Union([Type.String({ maxLength: limits.decimalInputCharsMax }), Type.Number()]);
