// ffjavascript ships no types; the service only calls buildBn128 (see ./curve.ts).
declare module "ffjavascript";
