// Fingerprints of a picture or video, made on the reporter's device: Meta's PDQ photo hash (with
// its quality), for a video vPDQ (a PDQ a second), and the SHA-256 of the file. Used by report-form.js so a victim can report a picture
// they hold without sending it. Written by hand from the PDQ reference (facebook/ThreatExchange,
// pdq/cpp/hashing/pdqhashing.cpp): luminance, two passes of a Jarosz box filter each way,
// decimation to 64x64, the quality metric, a 16x16 DCT and the median threshold. Arithmetic is
// rounded to 32-bit floats where the reference uses `float`, so the hash is the reference's (the
// tests compare it with the `pdqhash` binding). No build step, no dependency.
(function () {
  "use strict";
  var f32 = Math.fround;
  var LUMA_R = f32(0.299);
  var LUMA_G = f32(0.587);
  var LUMA_B = f32(0.114);
  var STRIP_ROWS = 256; // pixels are read from the canvas this many rows at a time

  // The reference's window: about twice the source pixels per output pixel, rounded up.
  function windowSize(oldDimension, newDimension) {
    return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
  }

  // One box filter along a line of `length` values `stride` apart (the reference's box1DFloat).
  function box1D(input, output, start, length, stride, fullWindow) {
    var halfWindow = Math.floor((fullWindow + 2) / 2);
    var phase1 = halfWindow - 1;
    var phase2 = fullWindow - halfWindow + 1;
    var phase3 = length - fullWindow;
    var phase4 = halfWindow - 1;
    var li = start, ri = start, oi = start;
    var sum = 0, count = 0, i;
    for (i = 0; i < phase1; i++) {
      sum = f32(sum + input[ri]); count++; ri += stride;
    }
    for (i = 0; i < phase2; i++) {
      sum = f32(sum + input[ri]); count++;
      output[oi] = f32(sum / count); ri += stride; oi += stride;
    }
    for (i = 0; i < phase3; i++) {
      sum = f32(sum + input[ri]); sum = f32(sum - input[li]);
      output[oi] = f32(sum / count); li += stride; ri += stride; oi += stride;
    }
    for (i = 0; i < phase4; i++) {
      sum = f32(sum - input[li]); count--;
      output[oi] = f32(sum / count); li += stride; oi += stride;
    }
  }

  function jaroszFilter(luma, scratch, rows, columns) {
    var alongRows = windowSize(columns, 64);
    var alongColumns = windowSize(rows, 64);
    for (var pass = 0; pass < 2; pass++) {
      for (var r = 0; r < rows; r++) box1D(luma, scratch, r * columns, columns, 1, alongRows);
      for (var c = 0; c < columns; c++) box1D(scratch, luma, c, rows, columns, alongColumns);
    }
  }

  function decimate(luma, rows, columns) {
    var out = new Float32Array(64 * 64);
    for (var i = 0; i < 64; i++) {
      var row = Math.floor(((i + 0.5) * rows) / 64);
      for (var j = 0; j < 64; j++) {
        var column = Math.floor(((j + 0.5) * columns) / 64);
        out[i * 64 + j] = luma[row * columns + column];
      }
    }
    return out;
  }

  // The reference's quality: summed neighbour differences (in percent, truncated) over 90, at
  // most 100. Flat pictures score low and their hashes say little.
  function quality(buffer) {
    var sum = 0, i, j, d;
    for (i = 0; i < 63; i++) {
      for (j = 0; j < 64; j++) {
        d = Math.trunc(f32(f32(f32(buffer[i * 64 + j] - buffer[(i + 1) * 64 + j]) * 100) / 255));
        sum += Math.abs(d);
      }
    }
    for (i = 0; i < 64; i++) {
      for (j = 0; j < 63; j++) {
        d = Math.trunc(f32(f32(f32(buffer[i * 64 + j] - buffer[i * 64 + j + 1]) * 100) / 255));
        sum += Math.abs(d);
      }
    }
    return Math.min(100, Math.floor(sum / 90));
  }

  var DCT = (function () {
    var matrix = new Float32Array(16 * 64);
    var scale = Math.sqrt(2 / 64);
    for (var i = 0; i < 16; i++) {
      for (var j = 0; j < 64; j++) {
        matrix[i * 64 + j] = f32(scale * Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1)));
      }
    }
    return matrix;
  })();

  // B = D A D^T: the 16x16 low frequencies, leaving out the constant term.
  function dct16(buffer) {
    var temp = new Float32Array(16 * 64);
    var out = new Float32Array(16 * 16);
    var i, j, k, sum;
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 64; j++) {
        sum = 0;
        for (k = 0; k < 64; k++) sum = f32(sum + f32(DCT[i * 64 + k] * buffer[k * 64 + j]));
        temp[i * 64 + j] = sum;
      }
    }
    for (i = 0; i < 16; i++) {
      for (j = 0; j < 16; j++) {
        sum = 0;
        for (k = 0; k < 64; k++) sum = f32(sum + f32(temp[i * 64 + k] * DCT[j * 64 + k]));
        out[i * 16 + j] = sum;
      }
    }
    return out;
  }

  // Bit k (k = 16 i + j) is set when coefficient k is above the median (the 128th smallest, as
  // the reference's Torben median). Hex as the reference prints it: bit 255 first.
  function toHex(coefficients) {
    var sorted = Array.prototype.slice.call(coefficients).sort(function (a, b) { return a - b; });
    var median = sorted[127];
    var hex = "";
    for (var nibble = 0; nibble < 64; nibble++) {
      var value = 0;
      for (var b = 0; b < 4; b++) {
        var k = 255 - (nibble * 4 + b);
        value = (value << 1) | (coefficients[k] > median ? 1 : 0);
      }
      hex += value.toString(16);
    }
    return hex;
  }

  function pdqFromLuma(luma, width, height) {
    var scratch = new Float32Array(width * height);
    jaroszFilter(luma, scratch, height, width);
    var buffer = decimate(luma, height, width);
    return { pdq: toHex(dct16(buffer)), quality: quality(buffer) };
  }

  function lumaFromRGBA(rgba, width, rows, into, offset) {
    for (var p = 0, n = width * rows; p < n; p++) {
      var q = p * 4;
      into[offset + p] = f32(
        f32(f32(LUMA_R * rgba[q]) + f32(LUMA_G * rgba[q + 1])) + f32(LUMA_B * rgba[q + 2])
      );
    }
  }

  // For tests and callers holding pixels already: RGBA bytes, row by row.
  function pdqFromRGBA(rgba, width, height) {
    var luma = new Float32Array(width * height);
    lumaFromRGBA(rgba, width, height, luma, 0);
    return pdqFromLuma(luma, width, height);
  }

  function canvasOf(width, height) {
    if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }

  // Full resolution, as the reference hashes; read in strips so a large photo never needs a
  // second full-size RGBA copy beside the luminance.
  function lumaOfBitmap(bitmap) {
    var width = bitmap.width, height = bitmap.height;
    var canvas = canvasOf(width, height);
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(bitmap, 0, 0);
    var luma = new Float32Array(width * height);
    for (var top = 0; top < height; top += STRIP_ROWS) {
      var rows = Math.min(STRIP_ROWS, height - top);
      var strip = context.getImageData(0, top, width, rows).data;
      lumaFromRGBA(strip, width, rows, luma, top * width);
    }
    return luma;
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (byte) { return ("0" + byte.toString(16)).slice(-2); })
      .join("");
  }

  function fingerprint(file) {
    return file.arrayBuffer().then(function (bytes) {
      var digest = sha256(bytes);
      var decoded = createImageBitmap(new Blob([bytes], { type: file.type || "" }), {
        colorSpaceConversion: "none",
        imageOrientation: "from-image",
        premultiplyAlpha: "none",
      }).catch(function () {
        throw new Error("the picture could not be decoded");
      });
      return Promise.all([digest, decoded]).then(function (done) {
        var bitmap = done[1];
        var width = bitmap.width, height = bitmap.height;
        var hashed = pdqFromLuma(lumaOfBitmap(bitmap), width, height);
        if (bitmap.close) bitmap.close();
        return {
          pdq: hashed.pdq,
          quality: hashed.quality,
          sha256: done[0],
          width: width,
          height: height,
        };
      });
    });
  }

  // --- videos: vPDQ, one PDQ a second, as the server samples -----------------------------------

  // The server's frame size (media/model.py hash_size): at most a 5-pixel filter window, so
  // about 640 pixels a side, which also keeps a long video quick to hash.
  function hashSide(side) {
    var window = Math.ceil(side / 128);
    return window <= 5 ? side : Math.max(1, Math.round((side * 5) / window));
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

  function sha256(bytes) {
    return window.crypto.subtle.digest("SHA-256", bytes).then(hex);
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

  window.TakedownDeviceHash = {
    fingerprint: fingerprint,
    fingerprintVideo: fingerprintVideo,
    pdqFromRGBA: pdqFromRGBA,
  };
})();
