// Fingerprints of a picture or video, made on the reporter's device: Meta's PDQ photo hash (with
// its quality), for a video vPDQ (a PDQ a second), and the SHA-256 of the file. Used by
// report-form.js so a victim can report a picture they hold without sending it.
//
// PDQ is written by hand from Meta's reference (facebook/ThreatExchange,
// pdq/cpp/hashing/pdqhashing.cpp and pdq/cpp/downscaling/downscaling.cpp): luminance, two passes
// of a Jarosz box filter along rows then columns, the 64x64 samples at cell centres, the quality
// metric, a 16x16 DCT and the median threshold. Arithmetic is rounded to 32-bit floats wherever
// the reference computes in `float`, in the reference's order, so the hash is the reference's bit
// for bit (tests/test_device_fingerprint_agrees_with_server_pdq.py compares it with `pdqhash`).
// The filters run on a stream of rows: the picture is read from the canvas a strip at a time and
// never copied whole, so hashing a 48-megapixel photo takes about 20 MB beside the browser's
// decoded picture, not the reference's two full-size float buffers (384 MB). No build step, no
// dependency.
//
// Pictures are hashed in a Web Worker running this same file (fingerprintOffThread), so a large
// photo never freezes the page; where a worker cannot hash (no OffscreenCanvas in workers) the
// page hashes it. Video frames need a <video> element, so videos are hashed on the page, a frame
// at a time between seeks.
(function () {
  "use strict";
  const f32 = Math.fround;
  const LUMA_R = f32(0.299);
  const LUMA_G = f32(0.587);
  const LUMA_B = f32(0.114);
  const MIN_SIDE = 5; // the reference's MIN_HASHABLE_DIM: smaller pictures hash to zero, quality 0
  const ZERO_HASH = "0".repeat(64);
  // Pixels are read from a canvas this many rows and columns at a time (a canvas is limited to
  // 32767 px a side in Chromium, and one full-size canvas would hold the whole picture again).
  const STRIP_ROWS = 256;
  const TILE_COLUMNS = 8192;

  // The reference's window per pass: about half the source pixels per output pixel, rounded up.
  function windowSize(side) {
    return Math.floor((side + 2 * 64 - 1) / (2 * 64));
  }

  // The reference's box1DFloat along one row: a growing window, then a sliding one, then a
  // shrinking one, each output the mean of its window. Float32Array stores round like `float`.
  function boxAlongRow(input, output, length, fullWindow) {
    const half = Math.floor((fullWindow + 2) / 2);
    let sum = 0;
    let count = 0;
    let right = 0;
    let left = 0;
    let out = 0;
    for (let i = 0; i < half - 1; i++) {
      sum = f32(sum + input[right++]);
      count++;
    }
    for (let i = 0; i < fullWindow - half + 1; i++) {
      sum = f32(sum + input[right++]);
      count++;
      output[out++] = sum / count;
    }
    for (let i = 0; i < length - fullWindow; i++) {
      sum = f32(sum + input[right++]);
      sum = f32(sum - input[left++]);
      output[out++] = sum / count;
    }
    for (let i = 0; i < half - 1; i++) {
      sum = f32(sum - input[left++]);
      count--;
      output[out++] = sum / count;
    }
  }

  // The same box filter down every column at once, fed one row at a time. It keeps the last
  // `fullWindow` rows (to subtract as the window slides) and a running sum per column, and hands
  // each output row to `emit(row, index)` as soon as it is complete. Each column sees exactly the
  // reference's additions and subtractions in the reference's order.
  function columnBox(width, length, fullWindow, emit) {
    const half = Math.floor((fullWindow + 2) / 2);
    const kept = new Float32Array(width * fullWindow);
    const sums = new Float32Array(width);
    const out = new Float32Array(width);
    let received = 0;
    let count = 0;
    let emitted = 0;

    function write() {
      for (let c = 0; c < width; c++) out[c] = sums[c] / count;
      emit(out, emitted++);
    }

    return {
      push(row) {
        const slot = (received % fullWindow) * width;
        if (received < fullWindow) {
          for (let c = 0; c < width; c++) sums[c] = sums[c] + row[c];
          count++;
          if (received >= half - 1) write();
        } else {
          // `slot` still holds the row `fullWindow` back: the one leaving the window.
          for (let c = 0; c < width; c++) {
            sums[c] = sums[c] + row[c];
            sums[c] = sums[c] - kept[slot + c];
          }
          write();
        }
        kept.set(row, slot);
        received++;
      },
      finish() {
        for (let left = length - fullWindow, i = 0; i < half - 1; i++, left++) {
          const slot = (left % fullWindow) * width;
          for (let c = 0; c < width; c++) sums[c] = sums[c] - kept[slot + c];
          count--;
          write();
        }
      },
    };
  }

  // The reference's quality: summed neighbour differences (in percent, truncated) over 90, at
  // most 100. Flat pictures score low and their hashes say little.
  function quality(buffer) {
    // The reference's int d = ((u - v) * 100) / 255 on floats: each step a float, then truncated.
    const step = (u, v) => Math.abs(Math.trunc(f32(f32(f32(u - v) * 100) / 255)));
    let sum = 0;
    for (let i = 0; i < 63; i++) {
      for (let j = 0; j < 64; j++) sum += step(buffer[i * 64 + j], buffer[(i + 1) * 64 + j]);
    }
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 63; j++) sum += step(buffer[i * 64 + j], buffer[i * 64 + j + 1]);
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  // Rows 1..16 of the 64-point DCT-II (the constant row 0 is left out). The reference's scale is
  // a `float` and each entry is computed in double, then stored as `float`.
  const DCT = (function () {
    const matrix = new Float32Array(16 * 64);
    const scale = f32(Math.sqrt(2 / 64));
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 64; j++) {
        matrix[i * 64 + j] = scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
      }
    }
    return matrix;
  })();

  // B = D A D^T over the 64x64 samples: the 16x16 lowest frequencies.
  function dct16(buffer) {
    const temp = new Float32Array(16 * 64);
    const out = new Float32Array(16 * 16);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 64; j++) {
        let sum = 0;
        for (let k = 0; k < 64; k++) sum = f32(sum + f32(DCT[i * 64 + k] * buffer[k * 64 + j]));
        temp[i * 64 + j] = sum;
      }
    }
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 16; j++) {
        let sum = 0;
        for (let k = 0; k < 64; k++) sum = f32(sum + f32(temp[i * 64 + k] * DCT[j * 64 + k]));
        out[i * 16 + j] = sum;
      }
    }
    return out;
  }

  // Bit k (k = 16 i + j) is set when coefficient k is above the median: the 128th smallest, as
  // the reference's Torben median gives for 256 values. Hex as the reference prints its sixteen
  // 16-bit words, last word first: bit 255 is the first hex digit's high bit.
  function toHex(coefficients) {
    const median = Float32Array.from(coefficients).sort()[127];
    let hex = "";
    for (let nibble = 0; nibble < 64; nibble++) {
      let value = 0;
      for (let b = 0; b < 4; b++) {
        value = (value << 1) | (coefficients[255 - (nibble * 4 + b)] > median ? 1 : 0);
      }
      hex += value.toString(16);
    }
    return hex;
  }

  // The reference's luminance, in its order: float products, summed left to right.
  function lumaRow(rgba, start, width, into) {
    for (let x = 0, q = start; x < width; x++, q += 4) {
      const red = f32(LUMA_R * rgba[q]);
      into[x] = f32(f32(red + f32(LUMA_G * rgba[q + 1])) + f32(LUMA_B * rgba[q + 2]));
    }
  }

  // PDQ of a picture given as rows of luminance, top to bottom: push(row) each row, then finish().
  function lumaHasher(width, height) {
    const alongRows = windowSize(width);
    const alongColumns = windowSize(height);
    // Cell centres, as the reference's decimateFloat computes them (in double, truncated).
    const rowAt = new Int32Array(64);
    const columnAt = new Int32Array(64);
    for (let i = 0; i < 64; i++) {
      rowAt[i] = Math.floor(((i + 0.5) * height) / 64);
      columnAt[i] = Math.floor(((i + 0.5) * width) / 64);
    }
    const samples = new Float32Array(64 * 64);
    const firstRowPass = new Float32Array(width);
    const secondRowPass = new Float32Array(width);
    let sampled = 0;
    const secondColumnPass = columnBox(width, height, alongColumns, function (row, index) {
      while (sampled < 64 && rowAt[sampled] === index) {
        for (let j = 0; j < 64; j++) samples[sampled * 64 + j] = row[columnAt[j]];
        sampled++;
      }
    });
    const firstColumnPass = columnBox(width, height, alongColumns, function (row) {
      boxAlongRow(row, secondRowPass, width, alongRows);
      secondColumnPass.push(secondRowPass);
    });
    return {
      push(luma) {
        boxAlongRow(luma, firstRowPass, width, alongRows);
        firstColumnPass.push(firstRowPass);
      },
      finish() {
        firstColumnPass.finish();
        secondColumnPass.finish();
        return { pdq: toHex(dct16(samples)), quality: quality(samples) };
      },
    };
  }

  // PDQ and quality of RGBA bytes, row by row (for tests, and video frames already in memory).
  function pdqFromRGBA(rgba, width, height) {
    if (width < MIN_SIDE || height < MIN_SIDE) return { pdq: ZERO_HASH, quality: 0 };
    const hasher = lumaHasher(width, height);
    const luma = new Float32Array(width);
    for (let y = 0; y < height; y++) {
      lumaRow(rgba, y * width * 4, width, luma);
      hasher.push(luma);
    }
    return hasher.finish();
  }

  function canvasOf(width, height) {
    if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }

  function hasTransparency(rgba) {
    for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
    return false;
  }

  // A 2D canvas keeps pixels premultiplied by alpha, so a fully transparent pixel reads back
  // black; the server (Pillow's RGB conversion) hashes the colour stored under it. WebGL can
  // upload the picture unpremultiplied and read that colour back. Returns a reader of
  // (left, top, columns, rows) as RGBA, or null where WebGL 2 is missing or the picture is
  // larger than a texture (those pictures hash their transparent areas as black).
  function straightReader(bitmap) {
    const canvas = canvasOf(1, 1);
    const gl = canvas.getContext("webgl2", { premultipliedAlpha: false });
    if (!gl) return null;
    const most = gl.getParameter(gl.MAX_TEXTURE_SIZE);
    if (bitmap.width > most || bitmap.height > most) return null;
    const texture = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, gl.RGBA, gl.UNSIGNED_BYTE, bitmap);
    gl.bindFramebuffer(gl.FRAMEBUFFER, gl.createFramebuffer());
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return null;
    // A texture's rows are read back in the order they were uploaded: top row first.
    const read = function (left, top, columns, rows) {
      const rgba = new Uint8Array(columns * rows * 4);
      gl.readPixels(left, top, columns, rows, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
      return rgba;
    };
    // A page has few WebGL contexts at a time: give this one (and its texture) back when done.
    read.release = function () {
      const lose = gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
    };
    return read;
  }

  // PDQ of a decoded picture at full resolution, as the reference hashes, read a strip (and,
  // for very wide pictures, a tile) at a time into a canvas no bigger than one tile. Drawing at
  // 1:1 copies the pixels unchanged.
  function pdqOfBitmap(bitmap, stripRows, tileColumns) {
    const width = bitmap.width;
    const height = bitmap.height;
    if (width < MIN_SIDE || height < MIN_SIDE) return { pdq: ZERO_HASH, quality: 0 };
    const tileWidth = Math.min(width, tileColumns);
    const tileHeight = Math.min(height, stripRows);
    const context = canvasOf(tileWidth, tileHeight).getContext("2d", { willReadFrequently: true });
    if (!context) throw new Error("the picture could not be read on this device");
    const hasher = lumaHasher(width, height);
    let straight; // made on the first tile with transparency
    const strip = [];
    for (let y = 0; y < tileHeight; y++) strip.push(new Float32Array(width));
    for (let top = 0; top < height; top += tileHeight) {
      const rows = Math.min(tileHeight, height - top);
      for (let left = 0; left < width; left += tileWidth) {
        const columns = Math.min(tileWidth, width - left);
        context.clearRect(0, 0, tileWidth, tileHeight);
        context.drawImage(bitmap, left, top, columns, rows, 0, 0, columns, rows);
        let rgba = context.getImageData(0, 0, columns, rows).data;
        if (hasTransparency(rgba)) {
          if (straight === undefined) straight = straightReader(bitmap);
          if (straight) rgba = straight(left, top, columns, rows);
        }
        for (let y = 0; y < rows; y++) {
          lumaRow(rgba, y * columns * 4, columns, strip[y].subarray(left, left + columns));
        }
      }
      for (let y = 0; y < rows; y++) hasher.push(strip[y]);
    }
    if (straight) straight.release();
    return hasher.finish();
  }

  function hex(buffer) {
    const bytes = Array.from(new Uint8Array(buffer));
    return bytes.map((byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function sha256(bytes) {
    return self.crypto.subtle.digest("SHA-256", bytes).then(hex);
  }

  // A picture's fingerprint: its PDQ (with quality) and the SHA-256 of the file's bytes. The
  // picture is decoded as the server decodes it: EXIF orientation applied, no colour profile
  // conversion. `options` (stripRows, tileColumns) exist for tests.
  async function fingerprint(file, options) {
    const stripRows = (options && options.stripRows) || STRIP_ROWS;
    const tileColumns = (options && options.tileColumns) || TILE_COLUMNS;
    const bytes = await file.arrayBuffer();
    const digest = sha256(bytes);
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, {
        colorSpaceConversion: "none",
        imageOrientation: "from-image",
        premultiplyAlpha: "none",
      });
    } catch (error) {
      throw new Error("the picture could not be decoded");
    }
    try {
      const hashed = pdqOfBitmap(bitmap, stripRows, tileColumns);
      return {
        pdq: hashed.pdq,
        quality: hashed.quality,
        sha256: await digest,
        width: bitmap.width,
        height: bitmap.height,
      };
    } finally {
      bitmap.close();
    }
  }

  // --- videos: vPDQ, one PDQ a second, as the server samples -----------------------------------

  // The server's frame size (media/model.py hash_size): at most a 5-pixel filter window, so
  // about 640 pixels a side, which also keeps a long video quick to hash.
  function hashSide(side) {
    var filterWindow = Math.ceil(side / 128);
    return filterWindow <= 5 ? side : Math.max(1, Math.round((side * 5) / filterWindow));
  }

  function once(target, event) {
    return new Promise(function (resolve, reject) {
      function done() {
        target.removeEventListener(event, done);
        target.removeEventListener("error", failed);
        resolve();
      }
      function failed() {
        target.removeEventListener(event, done);
        target.removeEventListener("error", failed);
        reject(new Error("the video could not be decoded"));
      }
      target.addEventListener(event, done);
      target.addEventListener("error", failed);
    });
  }

  // Frames every 1/framesPerSecond seconds up to maxSeconds: "hash,quality,seconds" strings,
  // python-threatexchange's vPDQ value.
  function videoFrames(blob, framesPerSecond, maxSeconds) {
    var video = document.createElement("video");
    var url = URL.createObjectURL(blob);
    video.muted = true;
    video.preload = "auto";
    video.src = url;
    var frames = [];
    return once(video, "loadeddata")
      .then(function () {
        var width = hashSide(video.videoWidth), height = hashSide(video.videoHeight);
        if (!width || !height || !isFinite(video.duration)) {
          throw new Error("the video could not be decoded");
        }
        var canvas = canvasOf(width, height);
        var context = canvas.getContext("2d", { willReadFrequently: true });
        context.imageSmoothingQuality = "high";
        var last = Math.min(video.duration, maxSeconds);
        var step = 1 / framesPerSecond;
        var next = function (index) {
          var time = index * step;
          if (time > last + 1e-6 || (index > 0 && time >= video.duration)) return frames;
          var seeked = once(video, "seeked");
          video.currentTime = time;
          return seeked.then(function () {
            context.drawImage(video, 0, 0, width, height);
            var rgba = context.getImageData(0, 0, width, height).data;
            var hashed = pdqFromRGBA(rgba, width, height);
            frames.push(hashed.pdq + "," + hashed.quality + "," + Number(time.toFixed(3)));
            return next(index + 1);
          });
        };
        return next(0);
      })
      .then(
        function (found) {
          URL.revokeObjectURL(url);
          return { frames: found, width: video.videoWidth, height: video.videoHeight };
        },
        function (error) {
          URL.revokeObjectURL(url);
          throw error;
        }
      );
  }

  // A video's fingerprint: its vPDQ (a JSON list of frames) and the SHA-256 of the file.
  function fingerprintVideo(file, options) {
    var framesPerSecond = (options && options.framesPerSecond) || 1;
    var maxSeconds = (options && options.maxSeconds) || 1800;
    return file.arrayBuffer().then(function (bytes) {
      var blob = new Blob([bytes], { type: file.type || "" });
      return Promise.all([sha256(bytes), videoFrames(blob, framesPerSecond, maxSeconds)]).then(
        function (done) {
          return {
            vpdq: JSON.stringify(done[1].frames),
            frames: done[1].frames.length,
            sha256: done[0],
            width: done[1].width,
            height: done[1].height,
          };
        }
      );
    });
  }

  // --- off the page's thread -----------------------------------------------------------------

  const inWorker = typeof document === "undefined";

  if (inWorker) {
    // A picture posted to the worker comes back as its fingerprint, or as the reason it did not.
    self.onmessage = function (event) {
      const id = event.data.id;
      fingerprint(event.data.file).then(
        function (print) { self.postMessage({ id: id, print: print }); },
        function (error) { self.postMessage({ id: id, error: String(error && error.message) }); }
      );
    };
    return;
  }

  const scriptUrl = document.currentScript && document.currentScript.src;
  let worker = null;
  let workerBroken = !scriptUrl || typeof Worker === "undefined";
  let nextId = 0;
  const waiting = new Map();

  function startWorker() {
    worker = new Worker(scriptUrl);
    worker.onmessage = function (event) {
      const pending = waiting.get(event.data.id);
      if (!pending) return;
      waiting.delete(event.data.id);
      if (event.data.print) pending.resolve(event.data.print);
      else pending.reject(new Error(event.data.error));
    };
    worker.onerror = function () {
      workerBroken = true;
      waiting.forEach(function (pending) { pending.reject(new Error("worker failed")); });
      waiting.clear();
    };
  }

  // fingerprint(file) in the worker; where the worker cannot, on the page.
  function fingerprintOffThread(file) {
    if (workerBroken) return fingerprint(file);
    try {
      if (!worker) startWorker();
    } catch (error) {
      workerBroken = true;
      return fingerprint(file);
    }
    const id = ++nextId;
    return new Promise(function (resolve, reject) {
      waiting.set(id, { resolve: resolve, reject: reject });
      worker.postMessage({ id: id, file: file });
    }).catch(function () {
      // Whatever stopped the worker (no OffscreenCanvas there, a crash), the page tries itself;
      // a picture that truly cannot be decoded fails there with the page's own message.
      return fingerprint(file);
    });
  }

  window.TakedownDeviceHash = {
    fingerprint: fingerprint,
    fingerprintOffThread: fingerprintOffThread,
    fingerprintVideo: fingerprintVideo,
    pdqFromRGBA: pdqFromRGBA,
  };
})();
