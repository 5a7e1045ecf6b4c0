import COpenSSL

/// AES-128-CCM (NIST SP 800-38C, RFC 3610) through OpenSSL's EVP interface:
/// swift-crypto does not expose CCM. Tested against RFC 3610's packet vectors
/// and the BTHome example.
enum AESCCM {
    /// The plaintext, or nil when the tag does not authenticate the ciphertext.
    static func decrypt(
        key: [UInt8], nonce: [UInt8], ciphertext: ArraySlice<UInt8>, tag: ArraySlice<UInt8>,
        aad: [UInt8] = []
    ) -> [UInt8]? {
        guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var tag = Array(tag)
        var out = [UInt8](repeating: 0, count: max(ciphertext.count, 1))
        var n: Int32 = 0
        guard EVP_DecryptInit_ex(ctx, EVP_aes_128_ccm(), nil, nil, nil) == 1,
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonce.count), nil) == 1,
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tag.count), &tag) == 1,
            EVP_DecryptInit_ex(ctx, nil, nil, key, nonce) == 1,
            EVP_DecryptUpdate(ctx, nil, &n, nil, Int32(ciphertext.count)) == 1
        else { return nil }
        if !aad.isEmpty {
            guard EVP_DecryptUpdate(ctx, nil, &n, aad, Int32(aad.count)) == 1 else { return nil }
        }
        let ok = ciphertext.withUnsafeBufferPointer { c in
            EVP_DecryptUpdate(ctx, &out, &n, c.baseAddress, Int32(c.count))
        }
        guard ok == 1 else { return nil }
        return Array(out.prefix(ciphertext.count))
    }

    /// Ciphertext and tag (`tagLength` bytes).
    static func encrypt(
        key: [UInt8], nonce: [UInt8], plaintext: ArraySlice<UInt8>, aad: [UInt8] = [],
        tagLength: Int = 4
    ) -> (ciphertext: [UInt8], tag: [UInt8]) {
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("OpenSSL: out of memory") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: max(plaintext.count, 1))
        var tag = [UInt8](repeating: 0, count: tagLength)
        var n: Int32 = 0
        let ok =
            EVP_EncryptInit_ex(ctx, EVP_aes_128_ccm(), nil, nil, nil) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, Int32(nonce.count), nil) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, Int32(tagLength), nil) == 1
            && EVP_EncryptInit_ex(ctx, nil, nil, key, nonce) == 1
            && EVP_EncryptUpdate(ctx, nil, &n, nil, Int32(plaintext.count)) == 1
            && (aad.isEmpty || EVP_EncryptUpdate(ctx, nil, &n, aad, Int32(aad.count)) == 1)
            && plaintext.withUnsafeBufferPointer { EVP_EncryptUpdate(ctx, &out, &n, $0.baseAddress, Int32($0.count)) } == 1
            && EVP_EncryptFinal_ex(ctx, &out, &n) == 1
            && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, Int32(tagLength), &tag) == 1
        precondition(ok, "OpenSSL AES-CCM encryption failed with valid parameters")
        return (Array(out.prefix(plaintext.count)), tag)
    }
}
