/* Sala's service worker. Pages under /courses/ come from the network when there is one and
   from the saved copy when there is not; pictures, styles and fonts from the saved copy
   first. "I have read this chapter" sent without a connection is kept in IndexedDB and
   sent when the connection returns, once per id. */
var QUEUE = 'sala-queue';

function store(mode, work) {
  return new Promise(function (resolve, reject) {
    var open = indexedDB.open(QUEUE, 1);
    open.onupgradeneeded = function () { open.result.createObjectStore('posts', { keyPath: 'id' }); };
    open.onerror = reject;
    open.onsuccess = function () {
      var tx = open.result.transaction('posts', mode);
      var request = work(tx.objectStore('posts'));
      tx.oncomplete = function () { resolve(request && request.result); };
      tx.onerror = reject;
    };
  });
}

self.addEventListener('install', function () { self.skipWaiting(); });
self.addEventListener('activate', function (event) { event.waitUntil(self.clients.claim()); });

function fromCache(request) {
  return caches.match(request, { ignoreSearch: true }).then(function (hit) {
    return hit || new Response('', { status: 504, statusText: 'Offline' });
  });
}

self.addEventListener('fetch', function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && /^\/courses\/[^\/]+\/[^\/]+\/(read|check)$/.test(url.pathname)) {
    event.respondWith(request.clone().text().then(function (body) {
      return fetch(request).catch(function () {
        var form = new URLSearchParams(body);
        var id = form.get('op') || (url.pathname + Date.now());
        return store('readwrite', function (posts) {
          return posts.put({ id: id, url: request.url, body: body });
        }).then(function () {
          return Response.redirect(form.get('next') || url.pathname.replace(/\/(read|check)$/, ''), 303);
        });
      });
    }));
    return;
  }
  if (request.method !== 'GET') return;
  if (/^\/(assets|media)\//.test(url.pathname)) {
    event.respondWith(caches.match(request).then(function (hit) { return hit || fetch(request); }));
  } else if (url.pathname.indexOf('/courses/') === 0) {
    event.respondWith(fetch(request).catch(function () { return fromCache(request); }));
  }
});

/* A fresh CSRF token for the learner's current session, from the chapter page itself: the
   token saved with an offline post may be from a session that has since changed. None
   when nobody is signed in (the post then waits until someone is). */
function freshToken(item) {
  var page = item.url.replace(/\/(read|check)$/, '');
  return fetch(page, { credentials: 'same-origin' }).then(function (response) {
    return response.text();
  }).then(function (html) {
    var found = html.match(/name="csrf" value="([^"]+)"/);
    return found ? found[1] : null;
  });
}

/* Sends what waits, oldest first. An item is removed only when the server took it (a
   redirect or a page) or can never take it (400, 404); refused (403) or failed, it stays. */
function flush() {
  return store('readonly', function (posts) { return posts.getAll(); }).then(function (items) {
    return (items || []).reduce(function (done, item) {
      return done.then(function () {
        return freshToken(item).then(function (token) {
          if (!token) return;
          var form = new URLSearchParams(item.body);
          form.set('csrf', token);
          return fetch(item.url, {
            method: 'POST',
            body: form.toString(),
            headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
            credentials: 'same-origin',
            redirect: 'manual'
          }).then(function (response) {
            var taken = response.type === 'opaqueredirect' || response.status === 200;
            var hopeless = response.status === 400 || response.status === 404;
            if (taken || hopeless) {
              return store('readwrite', function (posts) { return posts.delete(item.id); });
            }
          });
        }, function () {});
      });
    }, Promise.resolve());
  });
}

self.addEventListener('message', function (event) {
  var reply = event.ports && event.ports[0];
  if (event.data === 'flush') {
    event.waitUntil(flush().then(function () {
      return store('readonly', function (posts) { return posts.count(); });
    }).then(function (n) { if (reply) reply.postMessage(n); }));
  } else if (event.data === 'count') {
    event.waitUntil(store('readonly', function (posts) { return posts.count(); }).then(function (n) {
      if (reply) reply.postMessage(n);
    }));
  }
});
