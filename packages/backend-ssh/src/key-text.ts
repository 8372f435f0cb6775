/**
 * Tells a private key's text from a path to one, for the `privateKey`
 * option, which takes either. A key body pasted without its
 * `-----BEGIN … PRIVATE KEY-----` line used to be taken for a path and
 * printed in "cannot be read" messages; content that looks like a key is
 * never printed, whatever its shape.
 */

/** A whole key file: PEM (OpenSSH, PKCS#1, PKCS#8) or PuTTY. */
export const isWholeKey = (text: string): boolean => /-----BEGIN [A-Z ]*PRIVATE KEY-----|^PuTTY-User-Key-File/m.test(text);

/**
 * Key material that is not a whole key: armour lines without the BEGIN
 * line, a multi-line body, or one long base64 line. No path holds a line
 * break, and base64 of key bytes puts a "/" about every 64 characters, so a
 * run of 40 or more base64 characters between slashes is not a path segment
 * anyone types (OpenSSH bodies start "b3BlbnNzaC1rZXktdjE", DER ones "MII").
 */
export function isPartialKey(text: string): boolean {
  if (/-----(BEGIN|END) |[\r\n]/.test(text)) return true;
  const compact = text.trim();
  return compact.length >= 64 && /^[A-Za-z0-9+/]+={0,2}$/.test(compact) && compact.split("/").some((part) => part.length >= 40);
}
