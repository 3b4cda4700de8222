import request from 'supertest';

/** GET `path` with `token` and check the contract's 401: body, reason and RFC 6750 header. */
export async function expect401(url: string, token: string | undefined, reason: string, message?: string, path = '/api/session') {
  const req = request(url).get(path);
  if (token !== undefined) req.set('Authorization', `Bearer ${token}`);
  const res = await req;
  expect(res.status).toBe(401);
  expect(res.headers['content-type']).toMatch(/application\/json/);
  expect(res.body).toEqual({ statusCode: 401, error: 'Unauthorized', reason, message: message ?? expect.any(String) });
  if (reason === 'token_missing') {
    expect(res.headers['www-authenticate']).toBe('Bearer realm="gatehouse"');
  } else {
    const description = (res.body.message as string).replace(/"/g, "'");
    expect(res.headers['www-authenticate']).toBe(`Bearer realm="gatehouse", error="invalid_token", error_description="${description}"`);
  }
  return res;
}
