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

/* Sends what waits, oldest first; an answer from the server (even a redirect) means it
   arrived, and only then is it removed. */
function flush() {
  return store('readonly', function (posts) { return posts.getAll(); }).then(function (items) {
    return (items || []).reduce(function (done, item) {
      return done.then(function () {
        return fetch(item.url, {
          method: 'POST',
          body: item.body,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          credentials: 'same-origin',
          redirect: 'manual'
        }).then(function (response) {
          if (response.type === 'opaqueredirect' || response.status < 500) {
            return store('readwrite', function (posts) { return posts.delete(item.id); });
          }
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
