/**
 * The columns of a payout CSV, by name. Apart from the reader, so that what only writes them (the
 * CLI's `items --csv`) does not load the CSV parser.
 */
export const payoutColumns = ['itemExternalId', 'recipientType', 'recipientInfo', 'recipientName', 'amount', 'currency', 'description'] as const;
